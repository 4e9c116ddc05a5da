#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sso_scim_fuzz_targets::xml_parse(data));
