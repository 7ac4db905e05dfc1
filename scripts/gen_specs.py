#!/usr/bin/env python3
"""Generates the OpenAPI specs under assets/specs/ used by the simulator's scenarios and tests.

Run from the repository root:  python3 scripts/gen_specs.py
Needs PyYAML. Output is deterministic; the generated files are committed.

- petstore-2.0.json   the classic Swagger Petstore (Swagger 2.0, 20 operations)
- petstore-3.0.yaml   the Swagger Petstore for OpenAPI 3.0 (19 operations)
- shop-2.0.json       an e-commerce API (Swagger 2.0, 100+ operations) with deliberate problems:
                      a route defined twice under different template names, a file upload
                      (formData, type: file), a reused operationId
- fleet-3.0.yaml      a fleet/logistics API (OpenAPI 3.0, 100+ operations) with deliberate
                      problems: cookie parameters, a route defined twice, a shared parameter
                      and request bodies through $ref, allOf/oneOf schemas
- hostile-2.0.json    a small spec whose names and texts carry terminal escapes, bidi overrides,
                      zero-width characters, CJK and emoji
"""

import json
import os
import yaml

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "specs")


def write_json(name, doc, ascii_only=False):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=ascii_only)
        f.write("\n")


def write_yaml(name, doc):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f, sort_keys=False, allow_unicode=True, width=120)


def ref2(name):
    return {"$ref": "#/definitions/" + name}


def ref3(name):
    return {"$ref": "#/components/schemas/" + name}


# --------------------------------------------------------------------------------------------
# Petstore 2.0


def petstore2():
    pet_id = {"name": "petId", "in": "path", "required": True, "type": "integer", "format": "int64"}
    ok_pet = {"200": {"description": "successful operation", "schema": ref2("Pet")}}
    paths = {
        "/pet/{petId}/uploadImage": {
            "post": {
                "tags": ["pet"], "summary": "uploads an image", "operationId": "uploadFile",
                "consumes": ["multipart/form-data"], "produces": ["application/json"],
                "parameters": [
                    dict(pet_id, description="ID of pet to update"),
                    {"name": "additionalMetadata", "in": "formData", "description": "Additional data to pass to server",
                     "required": False, "type": "string"},
                    {"name": "file", "in": "formData", "description": "file to upload", "required": False, "type": "file"},
                ],
                "responses": {"200": {"description": "successful operation", "schema": ref2("ApiResponse")}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            }
        },
        "/pet": {
            "post": {
                "tags": ["pet"], "summary": "Add a new pet to the store", "operationId": "addPet",
                "consumes": ["application/json", "application/xml"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "Pet object that needs to be added to the store",
                                "required": True, "schema": ref2("Pet")}],
                "responses": {"405": {"description": "Invalid input"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            },
            "put": {
                "tags": ["pet"], "summary": "Update an existing pet", "operationId": "updatePet",
                "consumes": ["application/json", "application/xml"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "Pet object that needs to be added to the store",
                                "required": True, "schema": ref2("Pet")}],
                "responses": {"400": {"description": "Invalid ID supplied"}, "404": {"description": "Pet not found"},
                              "405": {"description": "Validation exception"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            },
        },
        "/pet/findByStatus": {
            "get": {
                "tags": ["pet"], "summary": "Finds Pets by status",
                "description": "Multiple status values can be provided with comma separated strings",
                "operationId": "findPetsByStatus", "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "status", "in": "query", "description": "Status values that need to be considered for filter",
                                "required": True, "type": "array",
                                "items": {"type": "string", "enum": ["available", "pending", "sold"], "default": "available"},
                                "collectionFormat": "multi"}],
                "responses": {"200": {"description": "successful operation", "schema": {"type": "array", "items": ref2("Pet")}},
                              "400": {"description": "Invalid status value"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            }
        },
        "/pet/findByTags": {
            "get": {
                "tags": ["pet"], "summary": "Finds Pets by tags",
                "description": "Multiple tags can be provided with comma separated strings. Use tag1, tag2, tag3 for testing.",
                "operationId": "findPetsByTags", "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "tags", "in": "query", "description": "Tags to filter by", "required": True,
                                "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}],
                "responses": {"200": {"description": "successful operation", "schema": {"type": "array", "items": ref2("Pet")}},
                              "400": {"description": "Invalid tag value"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}], "deprecated": True,
            }
        },
        "/pet/{petId}": {
            "get": {
                "tags": ["pet"], "summary": "Find pet by ID", "description": "Returns a single pet",
                "operationId": "getPetById", "produces": ["application/json", "application/xml"],
                "parameters": [dict(pet_id, description="ID of pet to return")],
                "responses": dict(ok_pet, **{"400": {"description": "Invalid ID supplied"}, "404": {"description": "Pet not found"}}),
                "security": [{"api_key": []}],
            },
            "post": {
                "tags": ["pet"], "summary": "Updates a pet in the store with form data", "operationId": "updatePetWithForm",
                "consumes": ["application/x-www-form-urlencoded"], "produces": ["application/json", "application/xml"],
                "parameters": [
                    dict(pet_id, description="ID of pet that needs to be updated"),
                    {"name": "name", "in": "formData", "description": "Updated name of the pet", "required": False, "type": "string"},
                    {"name": "status", "in": "formData", "description": "Updated status of the pet", "required": False, "type": "string"},
                ],
                "responses": {"405": {"description": "Invalid input"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            },
            "delete": {
                "tags": ["pet"], "summary": "Deletes a pet", "operationId": "deletePet",
                "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "api_key", "in": "header", "required": False, "type": "string"},
                               dict(pet_id, description="Pet id to delete")],
                "responses": {"400": {"description": "Invalid ID supplied"}, "404": {"description": "Pet not found"}},
                "security": [{"petstore_auth": ["write:pets", "read:pets"]}],
            },
        },
        "/store/order": {
            "post": {
                "tags": ["store"], "summary": "Place an order for a pet", "operationId": "placeOrder",
                "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "order placed for purchasing the pet",
                                "required": True, "schema": ref2("Order")}],
                "responses": {"200": {"description": "successful operation", "schema": ref2("Order")},
                              "400": {"description": "Invalid Order"}},
            }
        },
        "/store/order/{orderId}": {
            "get": {
                "tags": ["store"], "summary": "Find purchase order by ID",
                "description": "For valid response try integer IDs with value >= 1 and <= 10. Other values will generated exceptions",
                "operationId": "getOrderById", "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "orderId", "in": "path", "description": "ID of pet that needs to be fetched",
                                "required": True, "type": "integer", "maximum": 10, "minimum": 1, "format": "int64"}],
                "responses": {"200": {"description": "successful operation", "schema": ref2("Order")},
                              "400": {"description": "Invalid ID supplied"}, "404": {"description": "Order not found"}},
            },
            "delete": {
                "tags": ["store"], "summary": "Delete purchase order by ID",
                "description": "For valid response try integer IDs with positive integer value. Negative or non-integer values will generate API errors",
                "operationId": "deleteOrder", "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "orderId", "in": "path", "description": "ID of the order that needs to be deleted",
                                "required": True, "type": "integer", "minimum": 1, "format": "int64"}],
                "responses": {"400": {"description": "Invalid ID supplied"}, "404": {"description": "Order not found"}},
            },
        },
        "/store/inventory": {
            "get": {
                "tags": ["store"], "summary": "Returns pet inventories by status",
                "description": "Returns a map of status codes to quantities", "operationId": "getInventory",
                "produces": ["application/json"], "parameters": [],
                "responses": {"200": {"description": "successful operation",
                                      "schema": {"type": "object", "additionalProperties": {"type": "integer", "format": "int32"}}}},
                "security": [{"api_key": []}],
            }
        },
        "/user/createWithArray": {
            "post": {
                "tags": ["user"], "summary": "Creates list of users with given input array", "operationId": "createUsersWithArrayInput",
                "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "List of user object", "required": True,
                                "schema": {"type": "array", "items": ref2("User")}}],
                "responses": {"default": {"description": "successful operation"}},
            }
        },
        "/user/createWithList": {
            "post": {
                "tags": ["user"], "summary": "Creates list of users with given input array", "operationId": "createUsersWithListInput",
                "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "List of user object", "required": True,
                                "schema": {"type": "array", "items": ref2("User")}}],
                "responses": {"default": {"description": "successful operation"}},
            }
        },
        "/user/{username}": {
            "get": {
                "tags": ["user"], "summary": "Get user by user name", "operationId": "getUserByName",
                "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "username", "in": "path", "description": "The name that needs to be fetched. Use user1 for testing. ",
                                "required": True, "type": "string"}],
                "responses": {"200": {"description": "successful operation", "schema": ref2("User")},
                              "400": {"description": "Invalid username supplied"}, "404": {"description": "User not found"}},
            },
            "put": {
                "tags": ["user"], "summary": "Updated user", "description": "This can only be done by the logged in user.",
                "operationId": "updateUser", "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "username", "in": "path", "description": "name that need to be updated", "required": True, "type": "string"},
                               {"in": "body", "name": "body", "description": "Updated user object", "required": True, "schema": ref2("User")}],
                "responses": {"400": {"description": "Invalid user supplied"}, "404": {"description": "User not found"}},
            },
            "delete": {
                "tags": ["user"], "summary": "Delete user", "description": "This can only be done by the logged in user.",
                "operationId": "deleteUser", "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "username", "in": "path", "description": "The name that needs to be deleted", "required": True, "type": "string"}],
                "responses": {"400": {"description": "Invalid username supplied"}, "404": {"description": "User not found"}},
            },
        },
        "/user/login": {
            "get": {
                "tags": ["user"], "summary": "Logs user into the system", "operationId": "loginUser",
                "produces": ["application/json", "application/xml"],
                "parameters": [{"name": "username", "in": "query", "description": "The user name for login", "required": True, "type": "string"},
                               {"name": "password", "in": "query", "description": "The password for login in clear text", "required": True, "type": "string"}],
                "responses": {"200": {"description": "successful operation", "headers": {
                    "X-Expires-After": {"type": "string", "format": "date-time", "description": "date in UTC when token expires"},
                    "X-Rate-Limit": {"type": "integer", "format": "int32", "description": "calls per hour allowed by the user"}},
                    "schema": {"type": "string"}}, "400": {"description": "Invalid username/password supplied"}},
            }
        },
        "/user/logout": {
            "get": {
                "tags": ["user"], "summary": "Logs out current logged in user session", "operationId": "logoutUser",
                "produces": ["application/json", "application/xml"], "parameters": [],
                "responses": {"default": {"description": "successful operation"}},
            }
        },
        "/user": {
            "post": {
                "tags": ["user"], "summary": "Create user", "description": "This can only be done by the logged in user.",
                "operationId": "createUser", "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
                "parameters": [{"in": "body", "name": "body", "description": "Created user object", "required": True, "schema": ref2("User")}],
                "responses": {"default": {"description": "successful operation"}},
            }
        },
    }
    definitions = {
        "ApiResponse": {"type": "object", "properties": {"code": {"type": "integer", "format": "int32"},
                                                         "type": {"type": "string"}, "message": {"type": "string"}}},
        "Category": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}},
                     "xml": {"name": "Category"}},
        "Pet": {"type": "object", "required": ["name", "photoUrls"], "properties": {
            "id": {"type": "integer", "format": "int64"}, "category": ref2("Category"),
            "name": {"type": "string", "example": "doggie"},
            "photoUrls": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "photoUrl"}}},
            "tags": {"type": "array", "xml": {"wrapped": True}, "items": {"xml": {"name": "tag"}, "$ref": "#/definitions/Tag"}},
            "status": {"type": "string", "description": "pet status in the store", "enum": ["available", "pending", "sold"]}},
            "xml": {"name": "Pet"}},
        "Tag": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}},
                "xml": {"name": "Tag"}},
        "Order": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64"}, "petId": {"type": "integer", "format": "int64"},
            "quantity": {"type": "integer", "format": "int32"}, "shipDate": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "description": "Order Status", "enum": ["placed", "approved", "delivered"]},
            "complete": {"type": "boolean"}}, "xml": {"name": "Order"}},
        "User": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64"}, "username": {"type": "string"}, "firstName": {"type": "string"},
            "lastName": {"type": "string"}, "email": {"type": "string"}, "password": {"type": "string"}, "phone": {"type": "string"},
            "userStatus": {"type": "integer", "format": "int32", "description": "User Status"}}, "xml": {"name": "User"}},
    }
    return {
        "swagger": "2.0",
        "info": {
            "description": "This is a sample server Petstore server.  You can find out more about Swagger at "
                           "[http://swagger.io](http://swagger.io) or on [irc.freenode.net, #swagger](http://swagger.io/irc/).  "
                           "For this sample, you can use the api key `special-key` to test the authorization filters.",
            "version": "1.0.7", "title": "Swagger Petstore", "termsOfService": "http://swagger.io/terms/",
            "contact": {"email": "apiteam@swagger.io"},
            "license": {"name": "Apache 2.0", "url": "http://www.apache.org/licenses/LICENSE-2.0.html"},
        },
        "host": "petstore.swagger.io",
        "basePath": "/v2",
        "tags": [{"name": "pet", "description": "Everything about your Pets"},
                 {"name": "store", "description": "Access to Petstore orders"},
                 {"name": "user", "description": "Operations about user"}],
        "schemes": ["https", "http"],
        "paths": paths,
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "api_key", "in": "header"},
            "petstore_auth": {"type": "oauth2", "authorizationUrl": "https://petstore.swagger.io/oauth/authorize",
                              "flow": "implicit", "scopes": {"read:pets": "read your pets", "write:pets": "modify pets in your account"}},
        },
        "definitions": definitions,
        "externalDocs": {"description": "Find out more about Swagger", "url": "http://swagger.io"},
    }


# --------------------------------------------------------------------------------------------
# Petstore 3.0


def petstore3():
    def body(schema_name, required=True, desc=None):
        b = {"content": {ct: {"schema": ref3(schema_name)} for ct in
                         ("application/json", "application/xml", "application/x-www-form-urlencoded")},
             "required": required}
        if desc:
            b["description"] = desc
        return b

    def ok(schema):
        return {"description": "Successful operation",
                "content": {"application/json": {"schema": schema}, "application/xml": {"schema": schema}}}

    pet_id = {"name": "petId", "in": "path", "description": "ID of pet", "required": True,
              "schema": {"type": "integer", "format": "int64"}}
    auth = [{"petstore_auth": ["write:pets", "read:pets"]}]
    paths = {
        "/pet": {
            "put": {"tags": ["pet"], "summary": "Update an existing pet", "description": "Update an existing pet by Id",
                    "operationId": "updatePet", "requestBody": body("Pet", desc="Update an existent pet in the store"),
                    "responses": {"200": ok(ref3("Pet")), "400": {"description": "Invalid ID supplied"},
                                  "404": {"description": "Pet not found"}, "422": {"description": "Validation exception"}},
                    "security": auth},
            "post": {"tags": ["pet"], "summary": "Add a new pet to the store", "description": "Add a new pet to the store",
                     "operationId": "addPet", "requestBody": body("Pet", desc="Create a new pet in the store"),
                     "responses": {"200": ok(ref3("Pet")), "400": {"description": "Invalid input"},
                                   "422": {"description": "Validation exception"}},
                     "security": auth},
        },
        "/pet/findByStatus": {
            "get": {"tags": ["pet"], "summary": "Finds Pets by status",
                    "description": "Multiple status values can be provided with comma separated strings",
                    "operationId": "findPetsByStatus",
                    "parameters": [{"name": "status", "in": "query", "description": "Status values that need to be considered for filter",
                                    "required": False, "explode": True,
                                    "schema": {"type": "string", "default": "available", "enum": ["available", "pending", "sold"]}}],
                    "responses": {"200": ok({"type": "array", "items": ref3("Pet")}), "400": {"description": "Invalid status value"}},
                    "security": auth}
        },
        "/pet/findByTags": {
            "get": {"tags": ["pet"], "summary": "Finds Pets by tags",
                    "description": "Multiple tags can be provided with comma separated strings. Use tag1, tag2, tag3 for testing.",
                    "operationId": "findPetsByTags",
                    "parameters": [{"name": "tags", "in": "query", "description": "Tags to filter by", "required": False,
                                    "explode": True, "schema": {"type": "array", "items": {"type": "string"}}}],
                    "responses": {"200": ok({"type": "array", "items": ref3("Pet")}), "400": {"description": "Invalid tag value"}},
                    "security": auth}
        },
        "/pet/{petId}": {
            "get": {"tags": ["pet"], "summary": "Find pet by ID", "description": "Returns a single pet",
                    "operationId": "getPetById", "parameters": [pet_id],
                    "responses": {"200": ok(ref3("Pet")), "400": {"description": "Invalid ID supplied"},
                                  "404": {"description": "Pet not found"}},
                    "security": [{"api_key": []}, {"petstore_auth": ["write:pets", "read:pets"]}]},
            "post": {"tags": ["pet"], "summary": "Updates a pet in the store with form data", "description": "",
                     "operationId": "updatePetWithForm",
                     "parameters": [pet_id,
                                    {"name": "name", "in": "query", "description": "Name of pet that needs to be updated",
                                     "schema": {"type": "string"}},
                                    {"name": "status", "in": "query", "description": "Status of pet that needs to be updated",
                                     "schema": {"type": "string"}}],
                     "responses": {"400": {"description": "Invalid input"}}, "security": auth},
            "delete": {"tags": ["pet"], "summary": "Deletes a pet", "description": "", "operationId": "deletePet",
                       "parameters": [{"name": "api_key", "in": "header", "description": "", "required": False,
                                       "schema": {"type": "string"}}, pet_id],
                       "responses": {"400": {"description": "Invalid pet value"}}, "security": auth},
        },
        "/pet/{petId}/uploadImage": {
            "post": {"tags": ["pet"], "summary": "uploads an image", "description": "", "operationId": "uploadFile",
                     "parameters": [pet_id, {"name": "additionalMetadata", "in": "query", "description": "Additional Metadata",
                                             "required": False, "schema": {"type": "string"}}],
                     "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                     "responses": {"200": {"description": "successful operation",
                                           "content": {"application/json": {"schema": ref3("ApiResponse")}}}},
                     "security": auth}
        },
        "/store/inventory": {
            "get": {"tags": ["store"], "summary": "Returns pet inventories by status",
                    "description": "Returns a map of status codes to quantities", "operationId": "getInventory",
                    "responses": {"200": {"description": "successful operation", "content": {"application/json": {"schema": {
                        "type": "object", "additionalProperties": {"type": "integer", "format": "int32"}}}}}},
                    "security": [{"api_key": []}]}
        },
        "/store/order": {
            "post": {"tags": ["store"], "summary": "Place an order for a pet", "description": "Place a new order in the store",
                     "operationId": "placeOrder",
                     "requestBody": {"content": {"application/json": {"schema": ref3("Order")},
                                                 "application/xml": {"schema": ref3("Order")},
                                                 "application/x-www-form-urlencoded": {"schema": ref3("Order")}}},
                     "responses": {"200": {"description": "successful operation",
                                           "content": {"application/json": {"schema": ref3("Order")}}},
                                   "400": {"description": "Invalid input"}, "422": {"description": "Validation exception"}}}
        },
        "/store/order/{orderId}": {
            "get": {"tags": ["store"], "summary": "Find purchase order by ID",
                    "description": "For valid response try integer IDs with value <= 5 or > 10. Other values will generate exceptions.",
                    "operationId": "getOrderById",
                    "parameters": [{"name": "orderId", "in": "path", "description": "ID of order that needs to be fetched",
                                    "required": True, "schema": {"type": "integer", "format": "int64"}}],
                    "responses": {"200": ok(ref3("Order")), "400": {"description": "Invalid ID supplied"},
                                  "404": {"description": "Order not found"}}},
            "delete": {"tags": ["store"], "summary": "Delete purchase order by ID",
                       "description": "For valid response try integer IDs with value < 1000. Anything above 1000 or nonintegers will generate API errors",
                       "operationId": "deleteOrder",
                       "parameters": [{"name": "orderId", "in": "path", "description": "ID of the order that needs to be deleted",
                                       "required": True, "schema": {"type": "integer", "format": "int64"}}],
                       "responses": {"400": {"description": "Invalid ID supplied"}, "404": {"description": "Order not found"}}},
        },
        "/user": {
            "post": {"tags": ["user"], "summary": "Create user", "description": "This can only be done by the logged in user.",
                     "operationId": "createUser", "requestBody": body("User", required=False, desc="Created user object"),
                     "responses": {"default": ok(ref3("User"))}}
        },
        "/user/createWithList": {
            "post": {"tags": ["user"], "summary": "Creates list of users with given input array",
                     "description": "Creates list of users with given input array", "operationId": "createUsersWithListInput",
                     "requestBody": {"content": {"application/json": {"schema": {"type": "array", "items": ref3("User")}}}},
                     "responses": {"200": ok(ref3("User")), "default": {"description": "successful operation"}}}
        },
        "/user/login": {
            "get": {"tags": ["user"], "summary": "Logs user into the system", "description": "", "operationId": "loginUser",
                    "parameters": [{"name": "username", "in": "query", "description": "The user name for login",
                                    "required": False, "schema": {"type": "string"}},
                                   {"name": "password", "in": "query", "description": "The password for login in clear text",
                                    "required": False, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "successful operation", "headers": {
                        "X-Rate-Limit": {"description": "calls per hour allowed by the user", "schema": {"type": "integer", "format": "int32"}},
                        "X-Expires-After": {"description": "date in UTC when token expires", "schema": {"type": "string", "format": "date-time"}}},
                        "content": {"application/xml": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "string"}}}},
                        "400": {"description": "Invalid username/password supplied"}}}
        },
        "/user/logout": {
            "get": {"tags": ["user"], "summary": "Logs out current logged in user session", "description": "",
                    "operationId": "logoutUser", "parameters": [], "responses": {"default": {"description": "successful operation"}}}
        },
        "/user/{username}": {
            "get": {"tags": ["user"], "summary": "Get user by user name", "description": "", "operationId": "getUserByName",
                    "parameters": [{"name": "username", "in": "path", "description": "The name that needs to be fetched. Use user1 for testing. ",
                                    "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": ok(ref3("User")), "400": {"description": "Invalid username supplied"},
                                  "404": {"description": "User not found"}}},
            "put": {"tags": ["user"], "summary": "Update user", "description": "This can only be done by the logged in user.",
                    "operationId": "updateUser",
                    "parameters": [{"name": "username", "in": "path", "description": "name that need to be deleted",
                                    "required": True, "schema": {"type": "string"}}],
                    "requestBody": body("User", required=False, desc="Update an existent user in the store"),
                    "responses": {"default": {"description": "successful operation"}}},
            "delete": {"tags": ["user"], "summary": "Delete user", "description": "This can only be done by the logged in user.",
                       "operationId": "deleteUser",
                       "parameters": [{"name": "username", "in": "path", "description": "The name that needs to be deleted",
                                       "required": True, "schema": {"type": "string"}}],
                       "responses": {"400": {"description": "Invalid username supplied"}, "404": {"description": "User not found"}}},
        },
    }
    schemas = {
        "Order": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64", "example": 10}, "petId": {"type": "integer", "format": "int64", "example": 198772},
            "quantity": {"type": "integer", "format": "int32", "example": 7}, "shipDate": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "description": "Order Status", "example": "approved", "enum": ["placed", "approved", "delivered"]},
            "complete": {"type": "boolean"}}, "xml": {"name": "order"}},
        "Customer": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64", "example": 100000}, "username": {"type": "string", "example": "fehguy"},
            "address": {"type": "array", "xml": {"name": "addresses", "wrapped": True}, "items": ref3("Address")}},
            "xml": {"name": "customer"}},
        "Address": {"type": "object", "properties": {
            "street": {"type": "string", "example": "437 Lytton"}, "city": {"type": "string", "example": "Palo Alto"},
            "state": {"type": "string", "example": "CA"}, "zip": {"type": "string", "example": "94301"}}, "xml": {"name": "address"}},
        "Category": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64", "example": 1},
                                                      "name": {"type": "string", "example": "Dogs"}}, "xml": {"name": "category"}},
        "User": {"type": "object", "properties": {
            "id": {"type": "integer", "format": "int64", "example": 10}, "username": {"type": "string", "example": "theUser"},
            "firstName": {"type": "string", "example": "John"}, "lastName": {"type": "string", "example": "James"},
            "email": {"type": "string", "example": "john@email.com"}, "password": {"type": "string", "example": "12345"},
            "phone": {"type": "string", "example": "12345"},
            "userStatus": {"type": "integer", "description": "User Status", "format": "int32", "example": 1}}, "xml": {"name": "user"}},
        "Tag": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}},
                "xml": {"name": "tag"}},
        "Pet": {"required": ["name", "photoUrls"], "type": "object", "properties": {
            "id": {"type": "integer", "format": "int64", "example": 10}, "name": {"type": "string", "example": "doggie"},
            "category": ref3("Category"),
            "photoUrls": {"type": "array", "xml": {"wrapped": True}, "items": {"type": "string", "xml": {"name": "photoUrl"}}},
            "tags": {"type": "array", "xml": {"wrapped": True}, "items": ref3("Tag")},
            "status": {"type": "string", "description": "pet status in the store", "enum": ["available", "pending", "sold"]}},
            "xml": {"name": "pet"}},
        "ApiResponse": {"type": "object", "properties": {"code": {"type": "integer", "format": "int32"},
                                                         "type": {"type": "string"}, "message": {"type": "string"}},
                        "xml": {"name": "##default"}},
    }
    return {
        "openapi": "3.0.4",
        "info": {"title": "Swagger Petstore - OpenAPI 3.0",
                 "description": "This is a sample Pet Store Server based on the OpenAPI 3.0 specification.",
                 "termsOfService": "https://swagger.io/terms/", "contact": {"email": "apiteam@swagger.io"},
                 "license": {"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0.html"},
                 "version": "1.0.27"},
        "externalDocs": {"description": "Find out more about Swagger", "url": "https://swagger.io"},
        "servers": [{"url": "/api/v3"}],
        "tags": [{"name": "pet", "description": "Everything about your Pets"},
                 {"name": "store", "description": "Access to Petstore orders"},
                 {"name": "user", "description": "Operations about user"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "requestBodies": {
                "Pet": {"description": "Pet object that needs to be added to the store",
                        "content": {"application/json": {"schema": ref3("Pet")}, "application/xml": {"schema": ref3("Pet")}}},
                "UserArray": {"description": "List of user object",
                              "content": {"application/json": {"schema": {"type": "array", "items": ref3("User")}}}},
            },
            "securitySchemes": {
                "petstore_auth": {"type": "oauth2", "flows": {"implicit": {
                    "authorizationUrl": "https://petstore3.swagger.io/oauth/authorize",
                    "scopes": {"write:pets": "modify pets in your account", "read:pets": "read your pets"}}}},
                "api_key": {"type": "apiKey", "name": "api_key", "in": "header"},
            },
        },
    }


# --------------------------------------------------------------------------------------------
# Shop (Swagger 2.0, 100+ operations)

SHOP_RESOURCES = [
    # (collection, singular schema, id name, zh description or None, properties)
    ("products", "Product", "productId", "商品", {"sku": "string", "title": "string", "price": "number", "currency": "string",
                                                   "stock": "integer", "categoryId": "string", "brandId": "string"}),
    ("categories", "Category", "categoryId", "商品类目", {"name": "string", "parentId": "string", "position": "integer"}),
    ("brands", "Brand", "brandId", None, {"name": "string", "country": "string", "logoUrl": "string"}),
    ("inventory-items", "InventoryItem", "itemId", "库存", {"sku": "string", "warehouseId": "string", "quantity": "integer"}),
    ("warehouses", "Warehouse", "warehouseId", None, {"name": "string", "city": "string", "capacity": "integer"}),
    ("suppliers", "Supplier", "supplierId", None, {"name": "string", "email": "string", "rating": "number"}),
    ("customers", "Customer", "customerId", "客户", {"email": "string", "name": "string", "phone": "string", "vip": "boolean"}),
    ("addresses", "Address", "addressId", None, {"customerId": "string", "line1": "string", "city": "string", "zip": "string"}),
    ("carts", "Cart", "cartId", "购物车", {"customerId": "string", "total": "number", "currency": "string"}),
    ("orders", "Order", "orderId", "订单", {"customerId": "string", "status": "string", "total": "number", "placedAt": "string"}),
    ("payments", "Payment", "paymentId", "支付", {"orderId": "string", "amount": "number", "method": "string", "status": "string"}),
    ("refunds", "Refund", "refundId", None, {"paymentId": "string", "amount": "number", "reason": "string"}),
    ("shipments", "Shipment", "shipmentId", "物流", {"orderId": "string", "carrier": "string", "trackingNumber": "string"}),
    ("returns", "ReturnRequest", "returnId", None, {"orderId": "string", "reason": "string", "status": "string"}),
    ("reviews", "Review", "reviewId", "评价", {"productId": "string", "customerId": "string", "stars": "integer", "text": "string"}),
    ("coupons", "Coupon", "couponId", "优惠券", {"code": "string", "percentOff": "number", "expiresAt": "string"}),
    ("promotions", "Promotion", "promotionId", None, {"name": "string", "startsAt": "string", "endsAt": "string"}),
    ("gift-cards", "GiftCard", "giftCardId", None, {"code": "string", "balance": "number"}),
    ("invoices", "Invoice", "invoiceId", "发票", {"orderId": "string", "number": "string", "issuedAt": "string"}),
    ("subscriptions", "Subscription", "subscriptionId", None, {"customerId": "string", "plan": "string", "renewsAt": "string"}),
    ("wishlists", "Wishlist", "wishlistId", None, {"customerId": "string", "name": "string"}),
    ("tax-rates", "TaxRate", "taxRateId", None, {"region": "string", "rate": "number"}),
]


def shop2():
    paths = {}
    page = [{"$ref": "#/parameters/PageNumber"}, {"$ref": "#/parameters/PageSize"}]
    for collection, schema, id_name, zh, _ in SHOP_RESOURCES:
        singular = schema[0].lower() + schema[1:]
        tag = collection
        desc = (zh + "管理接口") if zh else None
        item_path = "/%s/{%s}" % (collection, id_name)
        list_op = {"tags": [tag], "summary": "List %s" % collection, "operationId": "list%ss" % schema,
                   "parameters": page + [{"name": "q", "in": "query", "type": "string", "description": "Full-text filter"}],
                   "responses": {"200": {"description": "A page of %s" % collection,
                                         "schema": {"type": "object", "properties": {
                                             "items": {"type": "array", "items": ref2(schema)}, "page": ref2("PageInfo")}}},
                                 "default": {"$ref": "#/responses/Error"}}}
        create_op = {"tags": [tag], "summary": "Create a %s" % singular, "operationId": "create%s" % schema,
                     "parameters": [{"in": "body", "name": "body", "required": True, "schema": ref2(schema + "Input")},
                                    {"$ref": "#/parameters/IdempotencyKey"}],
                     "responses": {"201": {"description": "Created", "schema": ref2(schema)},
                                   "default": {"$ref": "#/responses/Error"}}}
        if desc:
            list_op["description"] = desc
            create_op["description"] = desc
        paths["/" + collection] = {"get": list_op, "post": create_op}
        id_param = {"name": id_name, "in": "path", "required": True, "type": "string"}
        paths[item_path] = {
            "parameters": [id_param],
            "get": {"tags": [tag], "summary": "Get a %s" % singular, "operationId": "get%s" % schema,
                    "responses": {"200": {"description": "OK", "schema": ref2(schema)}, "404": {"$ref": "#/responses/NotFound"}}},
            "put": {"tags": [tag], "summary": "Replace a %s" % singular, "operationId": "update%s" % schema,
                    "parameters": [{"in": "body", "name": "body", "required": True, "schema": ref2(schema + "Input")}],
                    "responses": {"200": {"description": "OK", "schema": ref2(schema)}, "404": {"$ref": "#/responses/NotFound"}}},
            "delete": {"tags": [tag], "summary": "Delete a %s" % singular, "operationId": "delete%s" % schema,
                       "responses": {"204": {"description": "Deleted"}, "404": {"$ref": "#/responses/NotFound"}}},
        }
    # Actions.
    actions = [
        ("post", "/orders/{orderId}/cancel", "cancelOrder", "Order", "取消订单"),
        ("post", "/orders/{orderId}/confirm", "confirmOrder", "Order", None),
        ("post", "/payments/{paymentId}/capture", "capturePayment", "Payment", None),
        ("post", "/payments/{paymentId}/void", "voidPayment", "Payment", None),
        ("post", "/carts/{cartId}/checkout", "checkoutCart", "Order", "结算购物车"),
        ("post", "/carts/{cartId}/items", "addCartItem", "Cart", None),
        ("delete", "/carts/{cartId}/items/{itemId}", "removeCartItem", "Cart", None),
        ("post", "/shipments/{shipmentId}/label", "printShipmentLabel", "Shipment", None),
        ("get", "/customers/{customerId}/orders", "listCustomerOrders", "Order", "查询客户订单"),
        ("post", "/coupons/{couponId}/redeem", "redeemCoupon", "Coupon", None),
    ]
    for method, path, op_id, schema, zh in actions:
        params = []
        for segment in path.split("/"):
            if segment.startswith("{"):
                params.append({"name": segment[1:-1], "in": "path", "required": True, "type": "string"})
        op = {"tags": ["actions"], "summary": op_id, "operationId": op_id, "parameters": params,
              "responses": {"200": {"description": "OK", "schema": ref2(schema)}, "default": {"$ref": "#/responses/Error"}}}
        if zh:
            op["description"] = zh
        paths.setdefault(path, {})[method] = op
    # Deliberate problem 1: the same route as GET /products/{productId}, under another template name.
    paths["/products/{id}"] = {"get": {
        "tags": ["products"], "summary": "Get a product (legacy)", "operationId": "getProductLegacy",
        "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
        "responses": {"200": {"description": "OK", "schema": ref2("Product")}}}}
    # Deliberate problem 2: a file upload.
    paths["/products/{productId}/images"] = {"post": {
        "tags": ["products"], "summary": "Upload a product image", "operationId": "uploadProductImage",
        "consumes": ["multipart/form-data"],
        "parameters": [{"name": "productId", "in": "path", "required": True, "type": "string"},
                       {"name": "image", "in": "formData", "required": True, "type": "file"},
                       {"name": "alt", "in": "formData", "type": "string"}],
        "responses": {"201": {"description": "Uploaded", "schema": ref2("Image")}}}}
    # Deliberate problem 3: an operationId used twice.
    paths["/reports/sales"] = {"get": {
        "tags": ["reports"], "summary": "Sales report", "operationId": "listOrders",
        "description": "销售报表（与 listOrders 重名）",
        "parameters": [{"name": "from", "in": "query", "type": "string", "format": "date"},
                       {"name": "to", "in": "query", "type": "string", "format": "date"}],
        "responses": {"200": {"description": "OK", "schema": ref2("SalesReport")}}}}

    definitions = {
        "PageInfo": {"type": "object", "properties": {"number": {"type": "integer"}, "size": {"type": "integer"},
                                                      "total": {"type": "integer"}}},
        "Error": {"type": "object", "required": ["code", "message"],
                  "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "requestId": {"type": "string"}}},
        "Money": {"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}},
        "Image": {"type": "object", "properties": {"url": {"type": "string"}, "alt": {"type": "string"}}},
        "SalesReport": {"type": "object", "properties": {"total": ref2("Money"),
                                                         "orders": {"type": "array", "items": ref2("Order")}}},
    }
    for _, schema, _, zh, props in SHOP_RESOURCES:
        properties = {"id": {"type": "string", "readOnly": True}}
        for name, kind in props.items():
            properties[name] = {"type": kind}
        properties["createdAt"] = {"type": "string", "format": "date-time", "readOnly": True}
        definitions[schema] = {"type": "object", "properties": properties}
        if zh:
            definitions[schema]["description"] = zh
        definitions[schema + "Input"] = {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}
    definitions["Order"]["properties"]["lines"] = {"type": "array", "items": ref2("OrderLine")}
    definitions["Order"]["properties"]["total"] = ref2("Money")
    definitions["OrderLine"] = {"type": "object", "properties": {"productId": {"type": "string"},
                                                                 "quantity": {"type": "integer"}, "price": ref2("Money")}}
    definitions["Cart"]["properties"]["lines"] = {"type": "array", "items": ref2("OrderLine")}
    return {
        "swagger": "2.0",
        "info": {"title": "Acme Shop API", "version": "2024.06.1",
                 "description": "Catalogue, carts, orders, payments and fulfilment for the Acme online shop."},
        "host": "shop.example.com",
        "basePath": "/shop/v1",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "parameters": {
            "PageNumber": {"name": "page", "in": "query", "type": "integer", "minimum": 1, "default": 1},
            "PageSize": {"name": "pageSize", "in": "query", "type": "integer", "minimum": 1, "maximum": 200, "default": 20},
            "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "type": "string",
                               "description": "Makes a create request safe to retry"},
        },
        "responses": {
            "NotFound": {"description": "Not found", "schema": ref2("Error")},
            "Error": {"description": "Unexpected error", "schema": ref2("Error")},
        },
        "securityDefinitions": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "security": [{"apiKey": []}],
        "definitions": definitions,
    }


# --------------------------------------------------------------------------------------------
# Fleet (OpenAPI 3.0, 100+ operations)

FLEET_RESOURCES = [
    ("vehicles", "Vehicle", "vehicleId", {"plate": "string", "vin": "string", "model": "string", "capacityKg": "number"}),
    ("drivers", "Driver", "driverId", {"name": "string", "licenseNumber": "string", "phone": "string"}),
    ("depots", "Depot", "depotId", {"name": "string", "city": "string"}),
    ("routes", "Route", "routeId", {"name": "string", "distanceKm": "number"}),
    ("trips", "Trip", "tripId", {"vehicleId": "string", "driverId": "string", "routeId": "string", "status": "string"}),
    ("stops", "Stop", "stopId", {"tripId": "string", "sequence": "integer", "eta": "string"}),
    ("shipments", "Shipment", "shipmentId", {"reference": "string", "weightKg": "number", "status": "string"}),
    ("parcels", "Parcel", "parcelId", {"shipmentId": "string", "barcode": "string", "weightKg": "number"}),
    ("customers", "Customer", "customerId", {"name": "string", "email": "string"}),
    ("maintenance-records", "MaintenanceRecord", "recordId", {"vehicleId": "string", "kind": "string", "cost": "number"}),
    ("fuel-logs", "FuelLog", "logId", {"vehicleId": "string", "liters": "number", "odometerKm": "number"}),
    ("geofences", "Geofence", "geofenceId", {"name": "string", "radiusM": "number"}),
    ("alerts", "Alert", "alertId", {"severity": "string", "message": "string"}),
    ("incidents", "Incident", "incidentId", {"tripId": "string", "kind": "string", "description": "string"}),
    ("inspections", "Inspection", "inspectionId", {"vehicleId": "string", "passed": "boolean"}),
    ("documents", "Document", "documentId", {"ownerId": "string", "kind": "string", "url": "string"}),
    ("tariffs", "Tariff", "tariffId", {"zoneId": "string", "pricePerKg": "number"}),
    ("zones", "Zone", "zoneId", {"name": "string", "polygon": "string"}),
    ("schedules", "Schedule", "scheduleId", {"routeId": "string", "cron": "string"}),
    ("invoices", "Invoice", "invoiceId", {"customerId": "string", "amount": "number", "dueAt": "string"}),
    ("tires", "Tire", "tireId", {"vehicleId": "string", "position": "string", "treadMm": "number"}),
    ("telematics-devices", "TelematicsDevice", "deviceId", {"vehicleId": "string", "imei": "string"}),
]


def fleet3():
    paths = {}
    for collection, schema, id_name, props in FLEET_RESOURCES:
        singular = schema[0].lower() + schema[1:]
        json_body = {"$ref": "#/components/requestBodies/%sBody" % schema}
        paths["/" + collection] = {
            "get": {"tags": [collection], "summary": "List %s" % collection, "operationId": "list%ss" % schema,
                    "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/PageSize"}],
                    "responses": {"200": {"description": "A page of %s" % collection, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"data": {"type": "array", "items": ref3(schema)},
                                                         "next": {"type": "string", "nullable": True}}}}}},
                                  "default": {"$ref": "#/components/responses/Problem"}}},
            "post": {"tags": [collection], "summary": "Create a %s" % singular, "operationId": "create%s" % schema,
                     "requestBody": json_body,
                     "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": ref3(schema)}}},
                                   "default": {"$ref": "#/components/responses/Problem"}}},
        }
        paths["/%s/{%s}" % (collection, id_name)] = {
            "parameters": [{"name": id_name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
            "get": {"tags": [collection], "summary": "Get a %s" % singular, "operationId": "get%s" % schema,
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref3(schema)}}},
                                  "404": {"$ref": "#/components/responses/Problem"}}},
            "patch": {"tags": [collection], "summary": "Update a %s" % singular, "operationId": "patch%s" % schema,
                      "requestBody": {"required": True, "content": {"application/merge-patch+json": {"schema": ref3(schema + "Patch")}}},
                      "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref3(schema)}}},
                                    "404": {"$ref": "#/components/responses/Problem"}}},
            "delete": {"tags": [collection], "summary": "Delete a %s" % singular, "operationId": "delete%s" % schema,
                       "responses": {"204": {"description": "Deleted"}, "404": {"$ref": "#/components/responses/Problem"}}},
        }
    actions = [
        ("get", "/vehicles/{vehicleId}/position", "getVehiclePosition", "Position", None),
        ("post", "/trips/{tripId}/start", "startTrip", "Trip", None),
        ("post", "/trips/{tripId}/complete", "completeTrip", "Trip", None),
        ("get", "/trips/{tripId}/track", "trackTrip", "TrackPoint", "session"),
        ("post", "/shipments/{shipmentId}/dispatch", "dispatchShipment", "Shipment", None),
        ("get", "/shipments/{shipmentId}/events", "listShipmentEvents", "ShipmentEvent", None),
        ("post", "/alerts/{alertId}/acknowledge", "acknowledgeAlert", "Alert", "session"),
        ("get", "/dashboard/summary", "getDashboardSummary", "Summary", "session"),
        ("post", "/routes/{routeId}/optimize", "optimizeRoute", "Route", None),
        ("get", "/drivers/{driverId}/hours", "getDriverHours", "DriverHours", None),
    ]
    for method, path, op_id, schema, cookie in actions:
        params = []
        for segment in path.split("/"):
            if segment.startswith("{"):
                params.append({"name": segment[1:-1], "in": "path", "required": True, "schema": {"type": "string"}})
        if cookie:
            # Deliberate problem: cookie parameters (gateways cannot map them).
            params.append({"name": "fleet_session", "in": "cookie", "required": True, "schema": {"type": "string"}})
        paths.setdefault(path, {})[method] = {
            "tags": ["actions"], "summary": op_id, "operationId": op_id, "parameters": params,
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref3(schema)}}},
                          "default": {"$ref": "#/components/responses/Problem"}}}
    # Deliberate problem: the position route again, under another template name.
    paths["/vehicles/{id}/position"] = {"get": {
        "tags": ["vehicles"], "summary": "Vehicle position (v1 alias)", "operationId": "getVehiclePositionV1",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref3("Position")}}}}}}

    schemas = {
        "Problem": {"type": "object", "required": ["type", "title"], "properties": {
            "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "instance": {"type": "string"}}},
        "Coordinates": {"type": "object", "required": ["lat", "lon"],
                        "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                       "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
        "Position": {"allOf": [ref3("Coordinates"), {"type": "object", "properties": {
            "speedKmh": {"type": "number"}, "heading": {"type": "number"}, "recordedAt": {"type": "string", "format": "date-time"}}}]},
        "TrackPoint": {"allOf": [ref3("Position"), {"type": "object", "properties": {"tripId": {"type": "string"}}}]},
        "ShipmentEvent": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["created", "picked_up", "in_transit", "delivered", "failed"]},
            "at": {"type": "string", "format": "date-time"}, "where": ref3("Coordinates")}},
        "Summary": {"type": "object", "properties": {"activeTrips": {"type": "integer"}, "openAlerts": {"type": "integer"},
                                                     "vehiclesInService": {"type": "integer"}}},
        "DriverHours": {"type": "object", "properties": {"driverId": {"type": "string"}, "drivingMinutes": {"type": "integer"},
                                                         "restMinutes": {"type": "integer"}}},
        "Payload": {"oneOf": [ref3("Parcel"), ref3("Shipment")], "discriminator": {"propertyName": "kind"}},
    }
    request_bodies = {}
    for _, schema, _, props in FLEET_RESOURCES:
        properties = {"id": {"type": "string", "format": "uuid", "readOnly": True}}
        for name, kind in props.items():
            properties[name] = {"type": kind}
        schemas[schema] = {"type": "object", "properties": properties}
        schemas[schema + "Patch"] = {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}
        request_bodies[schema + "Body"] = {"required": True,
                                           "content": {"application/json": {"schema": ref3(schema)}}}
    schemas["Vehicle"]["properties"]["lastPosition"] = ref3("Position")
    schemas["Depot"]["properties"]["location"] = ref3("Coordinates")
    schemas["Stop"]["properties"]["location"] = ref3("Coordinates")
    schemas["Shipment"]["properties"]["payload"] = {"type": "array", "items": ref3("Parcel")}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Fleet Logistics API", "version": "3.2.0",
                 "description": "Vehicles, drivers, trips, shipments and telematics for a delivery fleet."},
        "servers": [{"url": "https://fleet.example.com/api/v2"}],
        "tags": [{"name": r[0]} for r in FLEET_RESOURCES] + [{"name": "actions"}],
        "paths": paths,
        "components": {
            "parameters": {
                "Cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                "PageSize": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
            },
            "requestBodies": request_bodies,
            "responses": {"Problem": {"description": "Problem details",
                                      "content": {"application/problem+json": {"schema": ref3("Problem")}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
    }


# --------------------------------------------------------------------------------------------
# Hostile text


def hostile2():
    samples = [
        ("listWidgets\x1b[2J\x1b[H", "GET", "/widgets", "Clears the screen \x1b[31mFAKE OVER\x1b[0m"),
        ("getWidget\x1b]52;c;ZXZpbA==\x07", "GET", "/widgets/{widgetId}", "Writes the clipboard"),
        ("createWidget\x1b]0;pwned\x07", "POST", "/widgets", "Sets the window title"),
        ("linkWidget", "POST", "/widgets/{widgetId}/link", "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07"),
        ("c1Widget\u009b2J", "DELETE", "/widgets/{widgetId}", "\u009d0;c1-title\u009c 8-bit controls"),
        ("crWidget", "PUT", "/widgets/{widgetId}", "status: OK\rFAIL\x08\x08\x07"),
        ("api\u202etxt.exe", "GET", "/files/{fileId}", "bidi override in the name"),
        ("zero\u200bwidth\ufeff", "GET", "/zero-width", "a\u200bb\u2060c\u2028d"),
        ("查询小部件", "GET", "/widgets/search", "这个API用于查询"),
        ("deploy🚀", "POST", "/deployments", "🚀 déploiement réussi ✅ 👩‍💻"),
    ]
    paths = {}
    for op_id, method, path, description in samples:
        params = []
        for segment in path.split("/"):
            if segment.startswith("{"):
                params.append({"name": segment[1:-1], "in": "path", "required": True, "type": "string"})
        paths.setdefault(path, {})[method.lower()] = {
            "summary": description[:40], "description": description, "operationId": op_id, "parameters": params,
            "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Widget\x1b[7m"}}}}
    return {
        "swagger": "2.0",
        "info": {"title": "Hostile \x1b]0;title\x07 Widgets", "version": "1.0"},
        "basePath": "/hostile",
        "paths": paths,
        "definitions": {"Widget\x1b[7m": {"type": "object", "description": "name with an escape",
                                           "properties": {"name": {"type": "string"}}}},
    }


def count_ops(doc):
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(1 for item in doc["paths"].values() for k in item if k in methods)


def main():
    os.makedirs(OUT, exist_ok=True)
    docs = [
        ("petstore-2.0.json", petstore2(), write_json),
        ("petstore-3.0.yaml", petstore3(), write_yaml),
        ("shop-2.0.json", shop2(), write_json),
        ("fleet-3.0.yaml", fleet3(), write_yaml),
        # Every non-ASCII character escaped, so the file itself is safe to `cat`.
        ("hostile-2.0.json", hostile2(), lambda name, doc: write_json(name, doc, ascii_only=True)),
    ]
    for name, doc, writer in docs:
        writer(name, doc)
        print("%-20s %4d operations" % (name, count_ops(doc)))


if __name__ == "__main__":
    main()
