//! Link settings napi-rs needs for a Node addon (undefined N-API symbols resolved at load).
fn main() {
    napi_build::setup();
}
