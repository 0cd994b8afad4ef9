//! The OpenAPI 3 document of the server (`GET /openapi.json`), written out by hand next to
//! [`crate::routes::ROUTES`]; tests check that its paths and methods are exactly the
//! routes, that each operation's query parameters are exactly those its route takes
//! ([`crate::routes::Route::query`]), and that every route answers as documented.

use serde_json::{Value, json};

use crate::config::Limits;
use crate::routes::ROUTES;

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

fn model_param() -> Value {
    json!({
        "name": "model", "in": "query", "required": false,
        "description": "The model's name (default: the first model given to `rustrec serve`).",
        "schema": {"type": "string"}
    })
}

fn n_param(limits: &Limits) -> Value {
    json!({
        "name": "n", "in": "query", "required": false,
        "description": "Items in the answer.",
        "schema": {"type": "integer", "minimum": 1, "maximum": limits.max_n, "default": limits.default_n()}
    })
}

/// The answer to a method a path does not take (any path of the document): not an
/// operation's response, so described once, in `components.responses`.
fn method_not_allowed() -> Value {
    let mut r = error_response("A method the path does not take");
    r["headers"] = json!({"Allow": {"description": "The methods the path takes", "schema": {"type": "string"}}});
    r
}

fn busy() -> Value {
    error_response("The request took longer than the server's time limit (busy)")
}

/// The operation of one route.
fn operation(method: &str, path: &str, limits: &Limits) -> Value {
    // Every route refuses a query parameter it does not take (400), and answers 503 when
    // busy.
    let common_errors = |mut responses: serde_json::Map<String, Value>| {
        responses
            .entry("400")
            .or_insert_with(|| error_response("An unknown query parameter"));
        responses.insert("503".into(), busy());
        Value::Object(responses)
    };
    let map = |v: Value| match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    match (method, path) {
        ("GET", "/v1/recommend/{user}") => json!({
            "operationId": "recommendUser",
            "parameters": [
                {"name": "user", "in": "path", "required": true, "description": "A raw user id of the model's training data.", "schema": {"type": "string"}},
                n_param(limits),
                {"name": "exclude_seen", "in": "query", "required": false, "description": "Leave out the user's training items.", "schema": {"type": "boolean", "default": true}},
                {"name": "allow", "in": "query", "required": false, "description": "Recommend only among these raw item ids (comma-separated).", "schema": {"type": "string"}},
                {"name": "block", "in": "query", "required": false, "description": "Never recommend these raw item ids (comma-separated).", "schema": {"type": "string"}},
                model_param()
            ],
            "responses": common_errors(map(json!({
                "200": ok("The user's top-N items, best first", "UserRecommendations"),
                "400": error_response("A bad or unknown parameter"),
                "404": error_response("An unknown user, item or model")
            })))
        }),
        ("POST", "/v1/recommend") => json!({
            "operationId": "recommendHistory",
            "parameters": [model_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HistoryRequest"}}}},
            "responses": common_errors(map(json!({
                "200": ok("The top-N items for the history, best first", "HistoryRecommendations"),
                "400": error_response("Malformed JSON, an unknown field or query parameter, a bad or null value, or a model without fold-in"),
                "404": error_response("An unknown item or model"),
                "413": error_response("A body over the server's limit"),
                "415": error_response("A compressed body (a Content-Encoding other than identity)")
            })))
        }),
        ("GET", "/v1/similar-items/{item}") => json!({
            "operationId": "similarItems",
            "parameters": [
                {"name": "item", "in": "path", "required": true, "description": "A raw item id.", "schema": {"type": "string"}},
                n_param(limits),
                model_param()
            ],
            "responses": common_errors(map(json!({
                "200": ok("The most similar items, most similar first", "SimilarItems"),
                "400": error_response("A bad or unknown parameter, or a model without a similarity measure"),
                "404": error_response("An unknown item or model")
            })))
        }),
        ("POST", "/v1/predict") => json!({
            "operationId": "predict",
            "parameters": [model_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}},
            "responses": common_errors(map(json!({
                "200": ok("One prediction per pair, in order", "Predictions"),
                "400": error_response("Malformed JSON, an unknown field or query parameter, or a bad value"),
                "404": error_response("An unknown model"),
                "413": error_response("A body over the server's limit"),
                "415": error_response("A compressed body (a Content-Encoding other than identity)")
            })))
        }),
        ("GET", "/v1/models") => json!({
            "operationId": "models",
            "responses": common_errors(map(json!({"200": ok("The models served", "Models")})))
        }),
        ("GET", "/v1/items") => json!({
            "operationId": "searchItems",
            "parameters": [
                {"name": "q", "in": "query", "required": false, "description": "An item id, or text in titles (case-insensitive).", "schema": {"type": "string"}},
                n_param(limits),
                model_param()
            ],
            "responses": common_errors(map(json!({
                "200": ok("Matching items", "Items"),
                "400": error_response("A bad or unknown parameter"),
                "404": error_response("An unknown model")
            })))
        }),
        ("POST", "/v1/reload") => json!({
            "operationId": "reload",
            "responses": common_errors(map(json!({
                "200": ok("Every model re-read and swapped in", "Reloaded"),
                "400": error_response("A query parameter or a body: reload takes neither (an empty body, or {}, asks for nothing)"),
                "500": error_response("A file failed to load; the models loaded before keep serving")
            })))
        }),
        ("GET", "/healthz") => json!({
            "operationId": "health",
            "responses": common_errors(map(json!({"200": ok("The server answers", "Health")})))
        }),
        ("GET", "/metrics") => json!({
            "operationId": "metrics",
            "responses": common_errors(map(json!({"200": {"description": "Prometheus text exposition", "content": {"text/plain": {"schema": {"type": "string"}}}}})))
        }),
        ("GET", "/openapi.json") => json!({
            "operationId": "openapi",
            "responses": common_errors(map(json!({"200": {"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}})))
        }),
        ("GET", "/") => json!({
            "operationId": "page",
            "description": "The page reads its parameters in the browser, to fill its form and ask at once.",
            "parameters": [
                {"name": "model", "in": "query", "required": false, "description": "The model to select.", "schema": {"type": "string"}},
                {"name": "n", "in": "query", "required": false, "description": "Items to ask for.", "schema": {"type": "string"}},
                {"name": "user", "in": "query", "required": false, "description": "A raw user id to recommend for.", "schema": {"type": "string"}},
                {"name": "q", "in": "query", "required": false, "description": "A title search.", "schema": {"type": "string"}},
                {"name": "liked", "in": "query", "required": false, "description": "Raw item ids (comma-separated) of a new user's history.", "schema": {"type": "string"}}
            ],
            "responses": common_errors(map(json!({"200": {"description": "An HTML page to try the models", "content": {"text/html": {"schema": {"type": "string"}}}}})))
        }),
        _ => json!({"responses": {"default": {"description": "undocumented"}}}),
    }
}

fn schemas(limits: &Limits) -> Value {
    let id = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
    let score = json!({"type": "number", "nullable": true});
    json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {"type": "string", "description": "What is wrong"}}
        },
        "Recommendation": {
            "type": "object", "required": ["item", "score", "title"],
            "properties": {
                "item": {"type": "string"},
                "score": score,
                "title": {"type": "string", "description": "\"\" without an item file"}
            }
        },
        "UserRecommendations": {
            "type": "object", "required": ["user", "model", "recommendations"],
            "properties": {
                "user": {"type": "string"}, "model": {"type": "string"},
                "recommendations": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}
            }
        },
        "HistoryRecommendations": {
            "type": "object", "required": ["history_items", "model", "recommendations"],
            "properties": {
                "history_items": {"type": "integer"}, "model": {"type": "string"},
                "recommendations": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}
            }
        },
        "SimilarItems": {
            "type": "object", "required": ["item", "model", "similar"],
            "properties": {
                "item": {"type": "string"}, "model": {"type": "string"},
                "similar": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}
            }
        },
        "HistoryRequest": {
            "type": "object", "required": ["history"], "additionalProperties": false,
            "properties": {
                "history": {
                    "description": "Raw item id → rating (rating models: within the model's rating range) or weight (ranking models: > 0; null or a list of ids: weight 1), in the order given. Values are taken as 32-bit floats: a value beyond ±3.4028235e38, or a nonzero one that would round to 0, is refused",
                    "oneOf": [
                        {"type": "object", "minProperties": 1, "maxProperties": limits.max_history, "additionalProperties": {"type": "number", "nullable": true}},
                        {"type": "array", "minItems": 1, "maxItems": limits.max_history, "items": id}
                    ]
                },
                "n": {"type": "integer", "minimum": 1, "maximum": limits.max_n, "default": limits.default_n()},
                "exclude_seen": {"type": "boolean", "default": true, "description": "Leave out the history's items"},
                "allow": {"type": "array", "minItems": 1, "maxItems": limits.max_history, "items": id, "description": "Recommend only among these items (leave allow out for all items)"},
                "block": {"type": "array", "maxItems": limits.max_history, "items": id}
            }
        },
        "PredictRequest": {
            "type": "object", "required": ["pairs"], "additionalProperties": false,
            "properties": {
                "pairs": {
                    "type": "array", "minItems": 1, "maxItems": limits.max_pairs,
                    "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": id}
                }
            }
        },
        "Prediction": {
            "type": "object", "required": ["user", "item", "prediction", "known_user", "known_item"],
            "properties": {
                "user": {"type": "string"}, "item": {"type": "string"},
                "prediction": {"type": "number", "nullable": true, "description": "null when the model cannot predict the pair"},
                "known_user": {"type": "boolean"}, "known_item": {"type": "boolean"}
            }
        },
        "Predictions": {
            "type": "object", "required": ["model", "task", "predictions"],
            "properties": {
                "model": {"type": "string"},
                "task": {"type": "string", "enum": ["rating", "ranking"], "description": "What the model is for: a ranking model's predictions are scores that order items for a user, not ratings"},
                "prediction": {"type": "number", "nullable": true, "description": "When exactly one pair was asked: its prediction"},
                "predictions": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}
            }
        },
        "Models": {
            "type": "object", "required": ["models"],
            "properties": {
                "models": {"type": "array", "items": {
                    "type": "object",
                    "required": ["name", "kind", "task", "default", "users", "items", "fold_in", "similar_items", "titles"],
                    "properties": {
                        "name": {"type": "string"}, "path": {"type": "string"}, "kind": {"type": "string"},
                        "task": {"type": "string", "enum": ["rating", "ranking"]},
                        "default": {"type": "boolean"}, "users": {"type": "integer"}, "items": {"type": "integer"},
                        "fold_in": {"type": "boolean"}, "similar_items": {"type": "boolean"},
                        "rating_range": {"type": "array", "nullable": true, "items": {"type": "number"}},
                        "titles": {"type": "boolean"},
                        "titles_note": {"type": "string", "nullable": true}
                    }
                }},
                "loaded_seconds_ago": {"type": "number"}
            }
        },
        "Items": {
            "type": "object", "required": ["model", "items"],
            "properties": {
                "model": {"type": "string"},
                "items": {"type": "array", "items": {
                    "type": "object", "required": ["item", "title"],
                    "properties": {"item": {"type": "string"}, "title": {"type": "string"}}
                }}
            }
        },
        "Reloaded": {
            "type": "object", "required": ["reloaded", "seconds"],
            "properties": {
                "reloaded": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "kind": {"type": "string"}, "path": {"type": "string"}
                }}},
                "seconds": {"type": "number"}
            }
        },
        "Health": {
            "type": "object", "required": ["status", "models"],
            "properties": {"status": {"type": "string", "enum": ["ok"]}, "models": {"type": "integer"}}
        }
    })
}

/// The OpenAPI 3 document of a server with these limits.
pub fn document(limits: &Limits) -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let mut op = operation(r.method, r.path, limits);
        if let Value::Object(o) = &mut op {
            o.insert("summary".into(), Value::from(r.summary));
        }
        let entry = paths
            .entry(r.path.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(e) = entry {
            e.insert(r.method.to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "rustrec serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Recommendations, fold-in for new users, similar items and predictions of saved rustrec models. Answers have the shapes of the CLI's --json output (docs/json.md); errors are {\"error\": \"...\"} with a 4xx status (unknown user, item or model: 404; bad parameter or body: 400; body over the limit: 413; a method a path does not take: 405, with an Allow header naming the methods it takes — components.responses.MethodNotAllowed). Nothing sent is ignored: a query parameter an operation does not list, a body field its schema does not list, and null for a field that is not nullable (leave it out for its default) are each refused with a 400 naming them."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(limits),
            "responses": {"MethodNotAllowed": method_not_allowed()}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: unknown query parameters were ignored; each route now takes exactly
    /// the parameters it documents, and refuses others with a documented 400.
    #[test]
    fn each_operation_documents_exactly_the_query_parameters_its_route_takes() {
        let doc = document(&Limits::default());
        for r in ROUTES {
            let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
            let mut documented: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let mut taken = r.query.to_vec();
            documented.sort_unstable();
            taken.sort_unstable();
            assert_eq!(documented, taken, "{}", r.name());
            assert!(op["responses"].get("400").is_some(), "{}", r.name());
        }
    }

    #[test]
    fn the_documented_default_n_is_within_the_limit() {
        let limits = Limits {
            max_n: 4,
            ..Limits::default()
        };
        let doc = document(&limits);
        let n = &doc["components"]["schemas"]["HistoryRequest"]["properties"]["n"];
        assert_eq!(
            (n["default"].as_u64(), n["maximum"].as_u64()),
            (Some(4), Some(4))
        );
    }
}
