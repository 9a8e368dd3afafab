import Foundation
import VisionImage
import VisionModelAPI

/// The search's outputs for people: trials.csv, and report.html (the trials sorted by the
/// metric, the metric against each parameter as SVG scatter plots, the halving rounds).
public enum TuningReport {
    /// One row per trial: the plan, the outcome, then each searched key.
    static func csv(_ records: [TrialRecord], keys: [String], monitor: String) -> String {
        var text = (["id", "round", "candidate", "status", monitor, "best_epoch", "epochs", "epochs_run", "seconds", "model_parameters"]
            + keys + ["error"]).joined(separator: ",") + "\n"
        for r in records {
            let score: String = r.score.map { String(format: "%.6f", $0) } ?? ""
            let bestEpoch: String = r.bestEpoch.map { String($0) } ?? ""
            let parameters: String = r.modelParameters.map { String($0) } ?? ""
            var fields: [String] = ["\(r.id)", "\(r.round)", "\(r.candidate)", r.status.rawValue, score, bestEpoch]
            fields += ["\(r.epochs)", "\(r.epochsRun)", String(format: "%.2f", r.seconds), parameters]
            fields += keys.map { r.parameters[$0].map(Tuner.shortValue) ?? "" }
            fields.append(r.error ?? "")
            text += fields.map(field).joined(separator: ",") + "\n"
        }
        return text
    }

    private static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func write(to path: String, result: TuningResult, plan: TuningPlan, space: SearchSpace) throws {
        try AtomicFile.write(Array(page(result: result, plan: plan, space: space).utf8), to: path)
    }

    static func page(result: TuningResult, plan: TuningPlan, space: SearchSpace) -> String {
        let keys = space.dimensions.map(\.key)
        let sorted = result.records.sorted { Tuner.better($0, than: $1, higherIsBetter: plan.higherIsBetter) }
        var table = "<table><tr><th>trial</th><th>round</th>" + keys.map { "<th>\(RunReport.escape($0))</th>" }.joined()
            + "<th>\(RunReport.escape(plan.monitor))</th><th>epochs</th><th>seconds</th><th>parameters</th><th></th></tr>"
        for r in sorted {
            var mark = r.id == result.best.id ? "best" : ""
            if r.id == result.baseline?.id { mark += mark.isEmpty ? "simplest model" : ", simplest model" }
            let outcome = r.status == .ok ? Tuner.format(r.score) : "failed"
            table += "<tr class=\"\(r.id == result.best.id ? "best" : "")\"><td>\(r.id)</td><td>\(r.round + 1)</td>"
                + keys.map { "<td>\(RunReport.escape(r.parameters[$0].map(Tuner.shortValue) ?? ""))</td>" }.joined()
                + "<td>\(outcome)</td><td>\(r.epochsRun)/\(r.epochs)</td><td>\(String(format: "%.1f", r.seconds))</td>"
                + "<td>\(r.modelParameters.map(String.init) ?? "")</td><td>\(RunReport.escape(mark.isEmpty ? (r.error ?? "") : mark))</td></tr>"
        }
        table += "</table>"
        var plots = ""
        for dimension in space.dimensions {
            plots += scatter(dimension, records: result.records, monitor: plan.monitor)
        }
        var rounds = ""
        if plan.roundEpochs.count > 1 {
            rounds = "<h2>Successive halving</h2><table><tr><th>round</th><th>epochs</th><th>trials</th><th>best</th></tr>"
            for (index, epochs) in plan.roundEpochs.enumerated() {
                let inRound = result.records.filter { $0.round == index }
                let best = inRound.compactMap(\.score).max { plan.higherIsBetter ? $0 < $1 : $0 > $1 }
                rounds += "<tr><td>\(index + 1)</td><td>\(epochs)</td><td>\(inRound.count)</td><td>\(Tuner.format(best))</td></tr>"
            }
            rounds += "</table>"
        }
        var refit = ""
        if let evaluation = result.refit?.evaluation {
            refit = String(format: "<p>Refit on train + val, tested once on %d test images: accuracy <b>%.2f%%</b>.</p>",
                           evaluation.predictions.count, evaluation.accuracy * 100)
        }
        let epochs = result.records.reduce(0) { $0 + $1.epochsRun }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Tuning report</title><style>
            body{font:14px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
            table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left} tr.best td{background:#e6f0fa}
            .plots{display:flex;gap:18px;flex-wrap:wrap} h2{font-size:17px;margin:24px 0 8px}
            </style></head><body>
            <h1>Tuning: \(result.records.count) trials, \(epochs) epochs, monitor \(RunReport.escape(plan.monitor))</h1>
            <p>Best: trial \(result.best.id) (\(RunReport.escape(Tuner.describe(result.best.parameters)))), \(RunReport.escape(plan.monitor)) \(Tuner.format(result.best.score)) on validation.</p>
            \(refit)
            <h2>Trials, best first</h2>\(table)
            <h2>\(RunReport.escape(plan.monitor)) against each parameter</h2><div class="plots">\(plots)</div>
            \(rounds)
            </body></html>
            """
    }

    /// Score against one parameter: numbers on an axis (log for log ranges), other values as categories.
    static func scatter(_ dimension: SearchSpace.Dimension, records: [TrialRecord], monitor: String) -> String {
        let points = records.compactMap { r -> (JSONValue, Double)? in
            guard let score = r.score, let value = r.parameters[dimension.key] else { return nil }
            return (value, score)
        }
        guard !points.isEmpty else { return "" }
        let logScale: Bool = { if case .logUniform = dimension.domain { return true } else { return false } }()
        let numeric = points.allSatisfy { if case .int = $0.0 { return true }; if case .double = $0.0 { return true }; return false }
        let categories = numeric ? [] : Array(Set(points.map { Tuner.shortValue($0.0) })).sorted()
        func x(_ value: JSONValue) -> Double {
            switch value {
            case .int(let i): return logScale ? log10(Double(max(i, 1))) : Double(i)
            case .double(let d): return logScale ? log10(max(d, 1e-300)) : d
            default: return Double(categories.firstIndex(of: Tuner.shortValue(value)) ?? 0)
            }
        }
        let xs = points.map { x($0.0) }, ys = points.map(\.1)
        let (xLow, xHigh) = (xs.min() ?? 0, max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9))
        let (yLow, yHigh) = (ys.min() ?? 0, max(ys.max() ?? 1, (ys.min() ?? 0) + 1e-9))
        let width = 320.0, height = 220.0, left = 50.0, bottom = 36.0, top = 22.0, right = 12.0
        func px(_ v: Double) -> Double { left + (xHigh == xLow ? 0.5 : (v - xLow) / (xHigh - xLow)) * (width - left - right) }
        func py(_ v: Double) -> Double { top + (1 - (yHigh == yLow ? 0.5 : (v - yLow) / (yHigh - yLow))) * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        svg += "<text x=\"\(left)\" y=\"14\" font-weight=\"bold\">\(RunReport.escape(dimension.key))\(logScale ? " (log)" : "")</text>"
        svg += "<text x=\"4\" y=\"\(py(yHigh) + 4)\">\(String(format: "%.3f", yHigh))</text><text x=\"4\" y=\"\(py(yLow) + 4)\">\(String(format: "%.3f", yLow))</text>"
        for (xv, yv) in zip(xs, ys) {
            svg += "<circle cx=\"\(px(xv))\" cy=\"\(py(yv))\" r=\"4\" fill=\"#1f77b4\" fill-opacity=\"0.7\"/>"
        }
        if numeric {
            let label = { (v: Double) in logScale ? String(format: "1e%.1f", v) : String(format: "%.4g", v) }
            svg += "<text x=\"\(left)\" y=\"\(height - 8)\">\(label(xLow))</text><text x=\"\(width - right)\" y=\"\(height - 8)\" text-anchor=\"end\">\(label(xHigh))</text>"
        } else {
            for (index, name) in categories.enumerated() {
                svg += "<text x=\"\(px(Double(index)))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(RunReport.escape(name))</text>"
            }
        }
        return svg + "</svg>"
    }
}
