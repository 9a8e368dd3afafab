import Hummingbird
import VisionImage

/// What goes wrong while serving, each with its HTTP status and a one-line message.
public enum ServeError: Error, CustomStringConvertible {
    /// The server cannot start (a model file, a flag, the token file).
    case configuration(String)
    case unknownModel(String)
    case bodyTooLarge(limit: Int)
    case emptyBody
    case badRequest(String)
    case image(ImageError)
    case overloaded(inflight: Int)
    case timeout(seconds: Double)
    case unauthorized
    /// Not the request's fault: the network failed.
    case failed(String)
    case reloadFailed(name: String, path: String, detail: String)
    case noFingerprint(String)

    public var description: String {
        switch self {
        case .configuration(let detail): return detail
        case .unknownModel(let name): return "no model named '\(name)' (GET /v1/models lists them)"
        case .bodyTooLarge(let limit): return "the body is over the limit of \(limit) bytes (--max-body)"
        case .emptyBody: return "the body is empty: send the image's bytes (image/png or image/jpeg)"
        case .badRequest(let detail): return detail
        case .image(let error): return error.description
        case .overloaded(let inflight): return "the server has \(inflight) requests in flight (--max-inflight); retry shortly"
        case .timeout(let seconds): return "no answer within \(seconds) s (--timeout)"
        case .unauthorized: return "missing or wrong bearer token"
        case .failed(let detail): return detail
        case .reloadFailed(let name, let path, let detail): return "reload of '\(name)' from \(path) failed, the old model keeps serving: \(detail)"
        case .noFingerprint(let name): return "model '\(name)' holds no training fingerprint (trained before vision recorded one): train it again to monitor drift"
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .configuration: return .internalServerError
        case .unknownModel: return .notFound
        case .bodyTooLarge: return .contentTooLarge
        case .emptyBody, .badRequest: return .badRequest
        case .image(let error):
            if case .unknownFormat = error { return .unsupportedMediaType }
            return .unprocessableContent
        case .overloaded: return .serviceUnavailable
        case .timeout: return .gatewayTimeout
        case .unauthorized: return .unauthorized
        case .failed: return .internalServerError
        case .reloadFailed: return .unprocessableContent
        case .noFingerprint: return .conflict
        }
    }

    /// The answer: `{"error": "..."}` with the status, and Retry-After or WWW-Authenticate where they belong.
    var httpError: HTTPError {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if case .overloaded = self { headers[.retryAfter] = "1" }
        if case .unauthorized = self { headers[.wwwAuthenticate] = "Bearer" }
        return HTTPError(status, headers: headers, message: description)
    }
}
