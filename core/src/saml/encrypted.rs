//! EncryptedAssertion (XML Encryption 1.0/1.1 as SAML uses it): RSA-OAEP key transport
//! (SHA-1 or SHA-256, MGF1 with the same hash) wrapping an AES-128/256 key, and the assertion
//! in AES-CBC or AES-GCM. RSA-1_5 is refused (Bleichenbacher). Every cryptographic failure
//! gives the same error, so nothing here can serve as a padding oracle.

use super::xml::Node;
use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{AES_128, AES_256, DecryptingKey, DecryptionContext, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm};

use super::certificate::decode_base64;
use super::error::SamlError;
use super::service_provider::DecryptionKey;
use super::xml::{NS_DSIG, NS_XENC, NS_XENC11, children_named, elements, is, single_child, text};
use crate::error::ErrorCode;

/// The message of every decryption failure.
pub(crate) const OPAQUE_MESSAGE: &str = "the EncryptedAssertion cannot be decrypted with the configured SP keys (check that the IdP encrypts to the SP certificate)";

fn opaque() -> SamlError {
    SamlError::new(ErrorCode::DecryptionFailed, OPAQUE_MESSAGE)
}

fn unsupported(message: impl Into<String>) -> SamlError {
    SamlError::new(ErrorCode::DecryptionFailed, message)
}

#[derive(Debug, Clone, Copy)]
enum Cipher {
    Aes128Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes256Gcm,
}

impl Cipher {
    fn from_uri(uri: &str) -> Result<Self, SamlError> {
        Ok(match uri {
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => Cipher::Aes128Cbc,
            "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => Cipher::Aes256Cbc,
            "http://www.w3.org/2009/xmlenc11#aes128-gcm" => Cipher::Aes128Gcm,
            "http://www.w3.org/2009/xmlenc11#aes256-gcm" => Cipher::Aes256Gcm,
            other => {
                return Err(unsupported(format!(
                    "data encryption \"{other}\" is not supported; use AES-128/256 in CBC or GCM"
                )));
            }
        })
    }

    fn key_len(self) -> usize {
        match self {
            Cipher::Aes128Cbc | Cipher::Aes128Gcm => 16,
            Cipher::Aes256Cbc | Cipher::Aes256Gcm => 32,
        }
    }

    /// Decrypt `data` (IV/nonce first, GCM tag last) with `key`.
    fn decrypt(self, key: &[u8], mut data: Vec<u8>) -> Option<Vec<u8>> {
        match self {
            Cipher::Aes128Cbc | Cipher::Aes256Cbc => {
                if data.len() < 32 || !data.len().is_multiple_of(16) {
                    return None;
                }
                let alg = if key.len() == 16 { &AES_128 } else { &AES_256 };
                let iv: [u8; 16] = data[..16].try_into().ok()?;
                let key = DecryptingKey::cbc(UnboundCipherKey::new(alg, key).ok()?).ok()?;
                let plain = key.decrypt(&mut data[16..], DecryptionContext::Iv128(FixedLength::from(iv))).ok()?;
                // XML Encryption padding: the last byte says how many bytes to drop (1..=16);
                // the other padding bytes are arbitrary, so only the count is checked.
                let pad = usize::from(*plain.last()?);
                if pad == 0 || pad > 16 || pad > plain.len() {
                    return None;
                }
                let end = plain.len() - pad;
                Some(plain[..end].to_vec())
            }
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => {
                if data.len() < 12 + 16 {
                    return None;
                }
                let alg = if key.len() == 16 { &AES_128_GCM } else { &AES_256_GCM };
                let nonce = Nonce::try_assume_unique_for_key(&data[..12]).ok()?;
                let key = LessSafeKey::new(UnboundKey::new(alg, key).ok()?);
                let plain = key.open_in_place(nonce, Aad::empty(), &mut data[12..]).ok()?;
                Some(plain.to_vec())
            }
        }
    }
}

/// The OAEP parameters an EncryptedKey names; RSA-1_5 and anything else refused.
fn key_transport(method: Node<'_, '_>) -> Result<&'static OaepAlgorithm, SamlError> {
    let uri = method.attribute("Algorithm").unwrap_or("");
    let digest = single_child(method, NS_DSIG, "DigestMethod")?.and_then(|d| d.attribute("Algorithm"));
    let mgf = single_child(method, NS_XENC11, "MGF")?.and_then(|m| m.attribute("Algorithm"));
    const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    match (uri, digest, mgf) {
        ("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", None | Some(SHA1), None) => Ok(&OAEP_SHA1_MGF1SHA1),
        ("http://www.w3.org/2009/xmlenc11#rsa-oaep", None | Some(SHA1), None | Some(MGF1_SHA1)) => {
            Ok(&OAEP_SHA1_MGF1SHA1)
        }
        ("http://www.w3.org/2009/xmlenc11#rsa-oaep", Some(SHA256), Some(MGF1_SHA256)) => Ok(&OAEP_SHA256_MGF1SHA256),
        ("http://www.w3.org/2001/04/xmlenc#rsa-1_5", _, _) => {
            Err(unsupported("key transport RSA-1_5 is refused (Bleichenbacher); configure RSA-OAEP"))
        }
        _ => Err(unsupported(format!(
            "key transport \"{uri}\" (digest {}, MGF {}) is not supported; use RSA-OAEP with SHA-1 or SHA-256",
            digest.unwrap_or("default"),
            mgf.unwrap_or("default")
        ))),
    }
}

fn cipher_value(node: Node<'_, '_>) -> Result<Vec<u8>, SamlError> {
    let data = single_child(node, NS_XENC, "CipherData")?.ok_or_else(|| unsupported("CipherData is missing"))?;
    let value = single_child(data, NS_XENC, "CipherValue")?
        .ok_or_else(|| unsupported("only CipherValue is supported (CipherReference is never fetched)"))?;
    decode_base64(&text(value)?).map_err(|_| opaque())
}

/// Decrypt the assertion inside `encrypted` (an `EncryptedAssertion`) to XML text.
pub(crate) fn decrypt_assertion(encrypted: Node<'_, '_>, keys: &[DecryptionKey]) -> Result<String, SamlError> {
    if keys.is_empty() {
        return Err(unsupported("received an EncryptedAssertion, but no sp_decryption_keys are configured"));
    }
    let data = single_child(encrypted, NS_XENC, "EncryptedData")?
        .ok_or_else(|| unsupported("the EncryptedAssertion holds no EncryptedData"))?;
    let method = single_child(data, NS_XENC, "EncryptionMethod")?
        .ok_or_else(|| unsupported("EncryptedData has no EncryptionMethod"))?;
    let cipher = Cipher::from_uri(method.attribute("Algorithm").unwrap_or(""))?;
    // EncryptedKey sits in the EncryptedData's KeyInfo or beside the EncryptedData.
    let inside = single_child(data, NS_DSIG, "KeyInfo")?
        .into_iter()
        .flat_map(|k| children_named(k, NS_XENC, "EncryptedKey").collect::<Vec<_>>());
    let beside = elements(encrypted).filter(|n| is(n, NS_XENC, "EncryptedKey"));
    let encrypted_keys: Vec<Node<'_, '_>> = inside.chain(beside).collect();
    if encrypted_keys.is_empty() {
        return Err(unsupported("no EncryptedKey found (only RSA-OAEP key transport is supported)"));
    }
    let ciphertext = cipher_value(data)?;
    for encrypted_key in encrypted_keys {
        let method = single_child(encrypted_key, NS_XENC, "EncryptionMethod")?
            .ok_or_else(|| unsupported("EncryptedKey has no EncryptionMethod"))?;
        let oaep = key_transport(method)?;
        let wrapped = cipher_value(encrypted_key)?;
        for key in keys {
            let mut out = vec![0u8; key.0.min_output_size()];
            let Ok(aes_key) = key.0.decrypt(oaep, &wrapped, &mut out, None) else { continue };
            if aes_key.len() != cipher.key_len() {
                continue;
            }
            if let Some(plain) = cipher.decrypt(aes_key, ciphertext.clone()) {
                return String::from_utf8(plain).map_err(|_| opaque());
            }
        }
    }
    Err(opaque())
}
