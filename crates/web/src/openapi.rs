//! The OpenAPI document, built in code beside the routes it describes, so the two cannot
//! drift apart; the committed `openapi.json` is compared with it by a test.

use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required,
};

/// Collects operations and schemas while the routes are registered.
#[derive(Default)]
pub struct Doc {
    ops: Vec<(String, HttpMethod, Operation)>,
    schemas: BTreeMap<String, RefOr<Schema>>,
    tags: BTreeMap<String, String>,
}

impl Doc {
    /// Registers `T` (and the schemas it uses) and returns a reference to it.
    pub fn schema<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut deps = Vec::new();
        T::schemas(&mut deps);
        for (name, s) in deps {
            self.schemas.entry(name).or_insert(s);
        }
        self.schemas.entry(T::name().to_string()).or_insert_with(T::schema);
        Ref::from_schema_name(T::name()).into()
    }

    /// Registers a schema built in code under `name`.
    pub fn named(&mut self, name: &str, schema: Schema) -> RefOr<Schema> {
        self.schemas.entry(name.to_string()).or_insert(schema.into());
        Ref::from_schema_name(name).into()
    }

    pub fn tag(&mut self, name: &str, description: &str) {
        self.tags.insert(name.to_string(), description.to_string());
    }

    /// Adds an operation, documenting the errors every operation of its shape can answer:
    /// a body can be malformed (400), too large (413), not JSON (415), invalid (422) or in
    /// conflict with stored data (409); a path id can be unknown (404); a query parameter
    /// can be invalid (422).
    pub fn add(&mut self, path: &str, method: HttpMethod, mut op: Operation) {
        let mut add = |code: &str, what: &str| {
            op.responses.responses.entry(code.to_string()).or_insert_with(|| problem(what).into());
        };
        if op.request_body.is_some() {
            add("400", "The body is not JSON");
            add("413", "The body is larger than 1 MiB");
            add("415", "The body is not sent as JSON");
            add("422", "A field is invalid, unknown or missing, or a rule refuses it; nothing was written");
            add("409", "The input conflicts with stored data: a duplicate key or a stale version");
        }
        let params = op.parameters.clone().unwrap_or_default();
        if params.iter().any(|p| p.parameter_in == ParameterIn::Path) {
            add("404", "No such record, or one the caller may not see");
        }
        if params.iter().any(|p| p.parameter_in == ParameterIn::Query) || path.contains("{id}") {
            add("422", "A parameter is invalid or a rule refuses the step");
        }
        self.ops.push((path.to_string(), method, op));
    }

    /// A copy of a registered schema that allows properties beyond its own, to combine
    /// with others in `allOf` (an input schema refuses unknown fields, which would make
    /// the combination unsatisfiable).
    pub fn open(&mut self, name: &str) -> RefOr<Schema> {
        let open_name = format!("{name}Fields");
        if let Some(RefOr::T(Schema::Object(o))) = self.schemas.get(name).cloned() {
            let mut o = o;
            o.additional_properties = None;
            self.schemas.entry(open_name.clone()).or_insert(RefOr::T(Schema::Object(o)));
            return Ref::from_schema_name(open_name).into();
        }
        Ref::from_schema_name(name).into()
    }

    pub fn build(self) -> OpenApi {
        let mut grouped: BTreeMap<String, Vec<(HttpMethod, Operation)>> = BTreeMap::new();
        for (path, method, op) in self.ops {
            grouped.entry(path).or_default().push((method, op));
        }
        let mut paths = PathsBuilder::new();
        for (path, ops) in grouped {
            let mut item: Option<PathItem> = None;
            for (method, op) in ops {
                match &mut item {
                    None => item = Some(PathItem::new(method, op)),
                    Some(i) => i.merge_operations(PathItem::new(method, op)),
                }
            }
            if let Some(item) = item {
                paths = paths.path(path, item);
            }
        }
        let mut components = ComponentsBuilder::new().security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (name, s) in self.schemas {
            components = components.schema(name, s);
        }
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Portvagt API")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "Access governance for external suppliers in Danish and Swedish municipalities. \
                         Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem details \
                         (`application/problem+json`) whose `type` is `urn:portvagt:problem:<code>`; the `detail` \
                         is in the language of `Accept-Language` (da, sv, en; Danish by default).",
                    ))
                    .build(),
            )
            .paths(paths.build())
            .components(Some(components.build()))
            .tags(Some(self.tags.into_iter().map(|(n, d)| TagBuilder::new().name(n).description(Some(d)).build())))
            .build()
    }
}

/// An operation with the bearer requirement and the usual problem responses.
pub fn op(tag: &str, id: &str, summary: &str, authenticated: bool) -> OperationBuilder {
    let mut b = OperationBuilder::new().tag(tag).operation_id(Some(id)).summary(Some(summary));
    if authenticated {
        b = b
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .response("401", problem("Not authenticated: the token is missing, unknown, expired or revoked"))
            .response("403", problem("The caller's role does not allow this"));
    }
    b
}

pub fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

pub fn json(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new().description(description).content("application/json", ContentBuilder::new().schema(Some(schema)).build()).build()
}

pub fn body(schema: RefOr<Schema>) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content("application/json", ContentBuilder::new().schema(Some(schema)).build())
        .build()
}

pub fn path_id() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid))),
        ))
        .build()
}

/// A whole-number path parameter from `minimum` on.
pub fn path_param(name: &str, description: &str, minimum: u32) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).minimum(Some(f64::from(minimum)))))
        .build()
}

pub fn query(name: &str, ty: Type, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(ty))))
        .build()
}

pub fn header(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::Type(Type::String))))
        .build()
}

/// A page of `item`.
pub fn page_of(item: RefOr<Schema>) -> Schema {
    let int = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)).minimum(Some(0));
    ObjectBuilder::new()
        .property("items", ArrayBuilder::new().items(item))
        .property("page", int())
        .property("page_size", int())
        .property("total", int())
        .property("total_pages", int())
        .required("items")
        .required("page")
        .required("page_size")
        .required("total")
        .required("total_pages")
        .into()
}
