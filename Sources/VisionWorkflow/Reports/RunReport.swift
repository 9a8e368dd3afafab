import Foundation
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionPluginAPI

/// `report.html`: one self-contained page (no network) with the loss and accuracy curves, the
/// confusion matrix as a heat map, per-class precision and recall, the precision–recall curve
/// with the operating point (when the run has one), and thumbnails of the most confident
/// mistakes beside their Grad-CAM heat maps.
public enum RunReport {
    /// Writes `report.html` into `folder` from the run's history and the final evaluation
    /// (both in memory: nothing is read back from the files the run wrote).
    /// `heatMaps`: overlays by path for the mistakes (`MistakeHeatMaps`); `operatingPoint`: the
    /// run's threshold, drawn on the precision–recall curve of the evaluated split.
    public static func write(
        folder: String, title: String, history: [EpochRecord], evaluation: EvaluationResult, operatingPoint: OperatingPoint? = nil,
        heatMaps: [String: Image] = [:]
    ) throws {
        let html = page(title: title, rows: history, evaluation: evaluation, operatingPoint: operatingPoint, heatMaps: heatMaps)
        try AtomicFile.write(Array(html.utf8), to: (folder as NSString).appendingPathComponent("report.html"))
    }

    static func page(
        title: String, rows: [EpochRecord], evaluation e: EvaluationResult, operatingPoint: OperatingPoint? = nil, heatMaps: [String: Image] = [:]
    ) -> String {
        let matrix = e.confusionMatrix
        let perClass = e.perClass
        let mistakes = e.mistakes(limit: mistakesShown)
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
            let heat = heatMaps[mistake.path].flatMap { try? PNGEncoder.encode($0) }
                .map { "<img src=\"data:image/png;base64,\(Data($0).base64EncodedString())\" alt=\"heat map\" title=\"Grad-CAM: where the model looked for '\(escape(mistake.predicted))'\">" } ?? ""
            thumbnails += "<figure\(heat.isEmpty ? "" : " class=\"pair\"")>\(image)\(heat)<figcaption>true <b>\(escape(mistake.truth))</b><br>predicted <b>\(escape(mistake.predicted))</b> \(String(format: "%.0f%%", mistake.confidence * 100))<br><span>\(escape((mistake.path as NSString).lastPathComponent))</span></figcaption></figure>"
        }
        if mistakes.isEmpty { thumbnails = "<p>No mistakes on these images.</p>" }
        let heatNote = heatMaps.isEmpty ? "" : "<p class=\"note\">Beside each image: its Grad-CAM heat map for the predicted class (yellow and white: what drove the prediction).</p>"
        let curve = operatingPoint.map { precisionRecallSection(e, point: $0) } ?? ""
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
            figure.pair{width:210px} figure.pair img{margin:0 2px} .note{color:#555}
            </style></head><body>
            <h1>\(escape(title))</h1><p class="summary">\(summary)</p>
            <h2>Training curves</h2><div class="charts">\(lossChart)\(accuracyChart)</div>
            <h2>Confusion matrix</h2>\(heat)
            <h2>Precision and recall per class</h2>\(bars)\(curve)
            <h2>Most confident mistakes</h2>\(heatNote)<div>\(thumbnails)</div>
            </body></html>
            """
    }

    /// The defect question's precision–recall curve on the evaluated split, with the operating
    /// point marked: what other thresholds would trade.
    static func precisionRecallSection(_ e: EvaluationResult, point: OperatingPoint) -> String {
        let (scores, defects) = point.scored(e.predictions)
        let positives = defects.filter { $0 }.count
        guard positives > 0, positives < defects.count else { return "" }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var curve: [(recall: Double, precision: Double)] = []
        var (tp, fp) = (0, 0)
        for (rank, index) in order.enumerated() {
            if defects[index] { tp += 1 } else { fp += 1 }
            // One point per distinct threshold.
            if rank + 1 < order.count && scores[order[rank + 1]] == scores[index] { continue }
            curve.append((Double(tp) / Double(positives), Double(tp) / Double(tp + fp)))
        }
        let figures = OperatingPoint.figures(scores: scores, defects: defects, threshold: point.threshold)
        let width = 420.0, height = 300.0, left = 48.0, right = 16.0, top = 28.0, bottom = 40.0
        func px(_ recall: Double) -> Double { left + recall * (width - left - right) }
        func py(_ precision: Double) -> Double { top + (1 - precision) * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        svg += "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">Precision–recall, \(escape(point.question))</text>"
        for i in 0...4 {
            let v = Double(i) / 4
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(py(v))\" y2=\"\(py(v))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>"
            svg += "<text x=\"\(px(v))\" y=\"\(height - bottom + 14)\" text-anchor=\"middle\">\(String(format: "%.2f", v))</text>"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">defect recall</text>"
        svg += "<text x=\"12\" y=\"\((top + height - bottom) / 2)\" transform=\"rotate(-90 12 \((top + height - bottom) / 2))\" text-anchor=\"middle\">precision</text>"
        let points = ([(0.0, curve.first?.precision ?? 1)] + curve).map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\(points)\"/>"
        if let precision = figures.precision {
            svg += "<circle cx=\"\(px(figures.recall))\" cy=\"\(py(precision))\" r=\"5\" fill=\"#d62728\"><title>threshold \(String(format: "%.4f", point.threshold))</title></circle>"
        }
        svg += "</svg>"
        let target = point.target.recall.map { String(format: "recall ≥ %.2f", $0) } ?? point.target.precision.map { String(format: "precision ≥ %.2f", $0) } ?? ""
        let caption = String(
            format: "The red dot is the operating point (score ≥ %.4f, chosen on %@ for %@): on the %@ split, defect recall %.3f, precision %@, good parts rejected %.1f%%.",
            point.threshold, point.chosenOn, target, e.split, figures.recall, figures.precision.map { String(format: "%.3f", $0) } ?? "-",
            figures.goodRejected * 100)
        return "<h2>Precision–recall and the operating point</h2>\(svg)<p class=\"note\">\(escape(caption))</p>"
    }

    /// The most confident mistakes the page shows.
    public static let mistakesShown = 24

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
            return Data(try PNGEncoder.encode(shrunk(image, toSide: 96))).base64EncodedString()
        }
    }

    /// `image` resized (aspect kept) so that its longer side is at most `side`; as it is when it already fits.
    static func shrunk(_ image: Image, toSide side: Int) throws -> Image {
        let scale = Double(side) / Double(max(image.width, image.height))
        guard scale < 1 else { return image }
        let resize = try Resize(.exact(width: max(1, Int(Double(image.width) * scale)), height: max(1, Int(Double(image.height) * scale))))
        var generator = RandomGenerator(seed: 0)
        guard case .image(let resized) = try resize.apply(.image(image), using: &generator) else { return image }
        return resized
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
