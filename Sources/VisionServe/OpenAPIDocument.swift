/// The API as an OpenAPI 3.1 document, served at /openapi.json (kept beside the routes it describes).
enum OpenAPIDocument {
    static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "vision serve", "version": "1"},
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}}}}},
          "Ranked": {"type": "object", "properties": {"label": {"type": "string"}, "probability": {"type": "number"}}},
          "Prediction": {"type": "object", "properties": {
            "label": {"type": "string"}, "probability": {"type": "number"},
            "top": {"type": "array", "items": {"$ref": "#/components/schemas/Ranked"}}}},
          "Model": {"type": "object", "properties": {
            "name": {"type": "string"}, "version": {"type": "string"}, "plugin": {"type": "string"},
            "classes": {"type": "array", "items": {"type": "string"}},
            "input": {"type": "object", "properties": {"height": {"type": "integer"}, "width": {"type": "integer"}, "channels": {"type": "integer"}}}}}
        }
      },
      "security": [{"bearer": []}],
      "paths": {
        "/healthz": {"get": {"summary": "The process is alive", "security": [], "responses": {"200": {"description": "alive"}}}},
        "/readyz": {"get": {"summary": "Models are loaded and warm", "security": [],
          "responses": {"200": {"description": "ready"}, "503": {"description": "warming up"}}}},
        "/metrics": {"get": {"summary": "Prometheus text exposition", "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}}}},
        "/v1/models": {"get": {"summary": "The models served",
          "responses": {"200": {"description": "models", "content": {"application/json": {"schema": {"type": "object",
            "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}}}}}}}},
        "/v1/models/{name}": {"get": {"summary": "One model: classes, preprocessing, the figures in its file",
          "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "the model"}, "404": {"description": "no such model"}}}},
        "/v1/models/{name}/drift": {"get": {"summary": "The last images served against the model's training fingerprint: PSI and KS per feature, the predicted-class shift, a verdict (insufficient_data, ok, warn, drift)",
          "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "the drift report"}, "404": {"description": "no such model"},
            "409": {"description": "the model file holds no training fingerprint"}}}},
        "/v1/models/{name}/reload": {"post": {"summary": "Load the model's file again and swap it in (requests in flight finish on the old one)",
          "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "reloaded: name, version"}, "404": {"description": "no such model"},
            "422": {"description": "the file failed to load; the old model keeps serving"}}}},
        "/v1/models/{name}/predict": {"post": {"summary": "Classify one image (its PNG or JPEG bytes as the body), or several as multipart/form-data files (answers in request order; a file that fails has an error of its own)",
          "parameters": [
            {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "top_k", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "default": 5}},
            {"name": "operating_point", "in": "query", "required": false, "schema": {"type": "boolean", "default": true},
             "description": "false: label by the most probable class instead of the model's stored operating point"}],
          "requestBody": {"required": true, "content": {"image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}}}},
          "responses": {
            "200": {"description": "predictions", "content": {"application/json": {"schema": {"type": "object", "properties": {
              "model": {"type": "string"}, "version": {"type": "string"},
              "predictions": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}}}}}},
            "400": {"description": "empty body or bad parameter"}, "401": {"description": "missing or wrong bearer token"},
            "404": {"description": "no such model"}, "413": {"description": "body over --max-body"},
            "415": {"description": "not a PNG or JPEG"}, "422": {"description": "the image cannot be decoded, or is over the image limits"},
            "503": {"description": "too many requests in flight (Retry-After)"}, "504": {"description": "no answer within --timeout"}}}}
      }
    }
    """#
}
