import Foundation
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionPluginAPI

/// `report.html`: one self-contained page (no network) with the loss and accuracy curves, the
/// confusion matrix as a heat map, per-class precision and recall, and thumbnails of the most
/// confident mistakes.
public enum RunReport {
    /// Writes `report.html` into `folder` from the run's history and the final evaluation
    /// (both in memory: nothing is read back from the files the run wrote).
    public static func write(folder: String, title: String, history: [EpochRecord], evaluation: EvaluationResult) throws {
        let html = page(title: title, rows: history, evaluation: evaluation)
        try AtomicFile.write(Array(html.utf8), to: (folder as NSString).appendingPathComponent("report.html"))
    }

    static func page(title: String, rows: [EpochRecord], evaluation e: EvaluationResult) -> String {
        let matrix = e.confusionMatrix
        let perClass = e.perClass
        let mistakes = e.mistakes(limit: 24)
        let lossChart = chart(
            "Loss", rows.map { Double($0.epoch) },
            [("train", rows.map(\.trainLoss), "#1f77b4"), ("validation", rows.map(\.valLoss), "#d62728")], percent: false)
        let accuracyChart = chart(
            "Accuracy", rows.map { Double($0.epoch) },
            [("train", rows.map(\.trainAccuracy), "#1f77b4"), ("validation", rows.map(\.valAccuracy), "#d62728")], percent: true)
        let maxCell = max(matrix.flatMap { $0 }.max() ?? 1, 1)
        var heat = "<table class=\"cm\"><tr><th>true \\ predicted</th>" + e.classes.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for (i, row) in matrix.enumerated() {
            heat += "<tr><th>\(escape(e.classes[i]))</th>"
            for (j, count) in row.enumerated() {
                let intensity = Double(count) / Double(maxCell)
                let colour = i == j ? "rgba(31,119,180,\(String(format: "%.2f", 0.1 + 0.9 * intensity)))" : "rgba(214,39,40,\(String(format: "%.2f", count > 0 ? 0.15 + 0.85 * intensity : 0)))"
                heat += "<td style=\"background:\(colour);color:\(intensity > 0.5 ? "#fff" : "#222")\">\(count)</td>"
            }
            heat += "</tr>"
        }
        heat += "</table>"
        var bars = "<table class=\"bars\"><tr><th>class</th><th>precision</th><th>recall</th><th>support</th></tr>"
        for row in perClass {
            bars += "<tr><td>\(escape(row.name))</td><td>\(bar(row.precision, "#1f77b4"))</td><td>\(bar(row.recall, "#ff7f0e"))</td><td>\(row.support)</td></tr>"
        }
        bars += "</table>"
        var thumbnails = ""
        for mistake in mistakes {
            let image: String
            switch thumbnail(mistake.path) {
            case .success(let png): image = "<img src=\"data:image/png;base64,\(png)\" alt=\"\">"
            case .failure(let error): image = "<div class=\"missing\" title=\"\(escape("\(error)"))\">?</div>"
            }
            thumbnails += "<figure>\(image)<figcaption>true <b>\(escape(mistake.truth))</b><br>predicted <b>\(escape(mistake.predicted))</b> \(String(format: "%.0f%%", mistake.confidence * 100))<br><span>\(escape((mistake.path as NSString).lastPathComponent))</span></figcaption></figure>"
        }
        if mistakes.isEmpty { thumbnails = "<p>No mistakes on these images.</p>" }
        let intervals = e.intervals()
        let band = { (name: String, scale: Double) -> String in
            intervals[name].map { String(format: " (95%% CI %.*f–%.*f)", scale == 100 ? 1 : 3, $0.lowerBound * scale, scale == 100 ? 1 : 3, $0.upperBound * scale) } ?? ""
        }
        var summary = String(format: "%@ split: %d images, accuracy <b>%.2f%%</b>", e.split, e.predictions.count, e.accuracy * 100)
            + band("accuracy", 100) + String(format: " (majority-class baseline %.2f%%)", e.baselineAccuracy * 100)
        if let f1 = e.values["f1_macro"] { summary += String(format: "; macro-F1 %.3f", f1) + band("f1_macro", 1) }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title><style>
            body{font:14px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} .summary{color:#444}
            .charts{display:flex;gap:24px;flex-wrap:wrap} table{border-collapse:collapse}
            .cm td,.cm th{border:1px solid #ddd;padding:4px 8px;text-align:center;min-width:28px}
            .bars td,.bars th{padding:3px 10px;text-align:left} .bar{display:inline-block;height:12px;vertical-align:middle}
            figure{display:inline-block;margin:6px;width:120px;text-align:center;font-size:12px;vertical-align:top}
            figure img{width:96px;height:96px;image-rendering:pixelated;border:1px solid #ccc} figcaption span{color:#888}
            </style></head><body>
            <h1>\(escape(title))</h1><p class="summary">\(summary)</p>
            <h2>Training curves</h2><div class="charts">\(lossChart)\(accuracyChart)</div>
            <h2>Confusion matrix</h2>\(heat)
            <h2>Precision and recall per class</h2>\(bars)
            <h2>Most confident mistakes</h2><div>\(thumbnails)</div>
            </body></html>
            """
    }

    static func bar(_ value: Double, _ colour: String) -> String {
        "<span class=\"bar\" style=\"width:\(Int(value * 160))px;background:\(colour)\"></span> \(String(format: "%.3f", value))"
    }

    /// A line chart as inline SVG.
    static func chart(_ title: String, _ x: [Double], _ series: [(String, [Double], String)], percent: Bool) -> String {
        let width = 480.0, height = 260.0, left = 48.0, right = 110.0, top = 28.0, bottom = 34.0
        let values = series.flatMap(\.1).filter { $0.isFinite }
        guard !x.isEmpty, let low = values.min(), let high = values.max() else { return "<p>No epochs recorded.</p>" }
        let yLow = percent ? 0 : min(low, 0), yHigh = percent ? 1 : max(high * 1.05, yLow + 1e-9)
        let xLow = x.first ?? 0, xHigh = max(x.last ?? 1, xLow + 1)
        func px(_ v: Double) -> Double { left + (v - xLow) / (xHigh - xLow) * (width - left - right) }
        func py(_ v: Double) -> Double { top + (1 - (v - yLow) / (yHigh - yLow)) * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(title)</text>"
        for i in 0...4 {
            let v = yLow + (yHigh - yLow) * Double(i) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(py(v))\" y2=\"\(py(v))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(percent ? String(format: "%.0f%%", v * 100) : String(format: "%.2f", v))</text>"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">epoch</text>"
        for (index, (name, ys, colour)) in series.enumerated() {
            let points = zip(x, ys).filter { $0.1.isFinite }.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>"
            let ly = top + 14 + Double(index) * 16
            svg += "<line x1=\"\(width - right + 10)\" x2=\"\(width - right + 30)\" y1=\"\(ly)\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"/><text x=\"\(width - right + 34)\" y=\"\(ly + 4)\">\(name)</text>"
        }
        return svg + "</svg>"
    }

    /// The image at `path` as a base64 PNG of at most 96×96, or why it cannot be shown.
    static func thumbnail(_ path: String) -> Result<String, Error> {
        Result {
            let image = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(layout: .rgb, sizeHint: (96, 96))).image
            let scale = min(1, 96 / Double(max(image.width, image.height)))
            var small = image
            if scale < 1 {
                let resize = try Resize(.exact(width: max(1, Int(Double(image.width) * scale)), height: max(1, Int(Double(image.height) * scale))))
                var generator = RandomGenerator(seed: 0)
                if case .image(let resized) = try resize.apply(.image(image), using: &generator) { small = resized }
            }
            return Data(try PNGEncoder.encode(small)).base64EncodedString()
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
