import Foundation
import VisionImage

/// The label issues as one self-contained HTML page: each flagged image's thumbnail (small images
/// shown enlarged, pixels kept sharp) with its given and suggested label and score.
public enum LabelIssuesPage {
    public static func write(_ result: LabelIssueSearch.Result, root: String, to path: String, limit: Int = 300) throws {
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Label issues: \(RunReport.escape(root))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}figure{display:inline-block;width:150px;margin:6px;vertical-align:top}
            img{width:128px;height:128px;object-fit:contain;image-rendering:pixelated;border:1px solid #ccc;background:#f4f4f4}
            figcaption{font-size:12px;word-break:break-all}.given{color:#b00}.suggested{color:#070}</style></head><body>
            <h1>Label issues in \(RunReport.escape(root))</h1>
            <p>\(result.flagged) of \(result.images) images flagged (\(RunReport.escape(result.method))); scored by \(RunReport.escape(result.scoredBy)). \
            Most suspicious first\(result.issues.count > limit ? "; the first \(limit) shown (the JSON lists all)" : "").</p>

            """
        for (rank, issue) in result.issues.prefix(limit).enumerated() {
            let image: String
            switch RunReport.thumbnail(issue.path) {
            case .success(let png): image = "<img src=\"data:image/png;base64,\(png)\" alt=\"\">"
            case .failure(let error): image = "<div>\(RunReport.escape("\(error)"))</div>"
            }
            html += """
                <figure>\(image)<figcaption>#\(rank + 1) <span class="given">\(RunReport.escape(issue.given))</span> → \
                <span class="suggested">\(RunReport.escape(issue.suggested))</span> (\(String(format: "%.2f", issue.score)))<br>\
                \(RunReport.escape((issue.path as NSString).lastPathComponent))</figcaption></figure>

                """
        }
        html += "</body></html>\n"
        try AtomicFile.write(Array(html.utf8), to: path)
    }
}
