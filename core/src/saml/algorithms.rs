//! The XML-DSig algorithm identifiers we accept, and nothing else.

use aws_lc_rs::digest;

use crate::error::ErrorCode;
use crate::saml::error::SamlError;

/// A signature algorithm (SignatureMethod).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// `xmldsig#rsa-sha1` (only with `allow_sha1`).
    RsaSha1,
    /// `xmldsig-more#rsa-sha256` (Entra's default).
    RsaSha256,
    /// `xmldsig-more#rsa-sha384`.
    RsaSha384,
    /// `xmldsig-more#rsa-sha512`.
    RsaSha512,
    /// `xmldsig-more#ecdsa-sha256` (P-256 keys).
    EcdsaSha256,
    /// `xmldsig-more#ecdsa-sha384` (P-384 keys).
    EcdsaSha384,
    /// `xmldsig-more#ecdsa-sha512` (P-521 keys).
    EcdsaSha512,
}

const SIGNATURES: [(SignatureAlgorithm, &str); 7] = [
    (SignatureAlgorithm::RsaSha1, "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
    (SignatureAlgorithm::RsaSha256, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
    (SignatureAlgorithm::RsaSha384, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"),
    (SignatureAlgorithm::RsaSha512, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"),
    (SignatureAlgorithm::EcdsaSha256, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
    (SignatureAlgorithm::EcdsaSha384, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"),
    (SignatureAlgorithm::EcdsaSha512, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"),
];

impl SignatureAlgorithm {
    /// The algorithm a SignatureMethod URI names. Unknown URIs — HMAC, DSA, MD5, RSA-PSS —
    /// are refused; SHA-1 only when `allow_sha1`.
    pub fn from_uri(uri: &str, allow_sha1: bool) -> Result<Self, SamlError> {
        let found = SIGNATURES.iter().find(|(_, u)| *u == uri).map(|(a, _)| *a);
        match found {
            Some(SignatureAlgorithm::RsaSha1) if !allow_sha1 => Err(SamlError::new(
                ErrorCode::AlgorithmNotAllowed,
                format!(
                    "SignatureMethod {uri} (SHA-1) is refused; configure the IdP for RSA-SHA256, or set allow_sha1"
                ),
            )),
            Some(a) => Ok(a),
            None => Err(SamlError::new(
                ErrorCode::AlgorithmNotAllowed,
                format!("SignatureMethod \"{uri}\" is not allowed; use RSA-SHA256/384/512 or ECDSA-SHA256/384/512"),
            )),
        }
    }

    /// The URI.
    pub fn uri(self) -> &'static str {
        SIGNATURES.iter().find(|(a, _)| *a == self).map(|(_, u)| *u).expect("every algorithm has a URI")
    }

    /// Whether the algorithm is an RSA one.
    pub fn is_rsa(self) -> bool {
        matches!(self, Self::RsaSha1 | Self::RsaSha256 | Self::RsaSha384 | Self::RsaSha512)
    }
}

/// A digest algorithm (DigestMethod).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// `xmldsig#sha1` (only with `allow_sha1`).
    Sha1,
    /// `xmlenc#sha256`.
    Sha256,
    /// `xmldsig-more#sha384`.
    Sha384,
    /// `xmlenc#sha512`.
    Sha512,
}

const DIGESTS: [(DigestAlgorithm, &str); 4] = [
    (DigestAlgorithm::Sha1, "http://www.w3.org/2000/09/xmldsig#sha1"),
    (DigestAlgorithm::Sha256, "http://www.w3.org/2001/04/xmlenc#sha256"),
    (DigestAlgorithm::Sha384, "http://www.w3.org/2001/04/xmldsig-more#sha384"),
    (DigestAlgorithm::Sha512, "http://www.w3.org/2001/04/xmlenc#sha512"),
];

impl DigestAlgorithm {
    /// The algorithm a DigestMethod URI names (SHA-1 only when `allow_sha1`).
    pub fn from_uri(uri: &str, allow_sha1: bool) -> Result<Self, SamlError> {
        match DIGESTS.iter().find(|(_, u)| *u == uri).map(|(a, _)| *a) {
            Some(DigestAlgorithm::Sha1) if !allow_sha1 => Err(SamlError::new(
                ErrorCode::AlgorithmNotAllowed,
                format!("DigestMethod {uri} (SHA-1) is refused; configure the IdP for SHA-256, or set allow_sha1"),
            )),
            Some(a) => Ok(a),
            None => Err(SamlError::new(
                ErrorCode::AlgorithmNotAllowed,
                format!("DigestMethod \"{uri}\" is not allowed; use SHA-256, SHA-384 or SHA-512"),
            )),
        }
    }

    /// The URI.
    pub fn uri(self) -> &'static str {
        DIGESTS.iter().find(|(a, _)| *a == self).map(|(_, u)| *u).expect("every digest has a URI")
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> digest::Digest {
        let alg = match self {
            DigestAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &digest::SHA256,
            DigestAlgorithm::Sha384 => &digest::SHA384,
            DigestAlgorithm::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        for (a, uri) in SIGNATURES {
            assert_eq!(SignatureAlgorithm::from_uri(uri, true), Ok(a));
            assert_eq!(a.uri(), uri);
        }
        let refused = |uri: &str| SignatureAlgorithm::from_uri(uri, false).unwrap_err().code().as_str();
        assert_eq!(refused("http://www.w3.org/2000/09/xmldsig#rsa-sha1"), "algorithm_not_allowed");
        assert_eq!(refused("http://www.w3.org/2000/09/xmldsig#hmac-sha1"), "algorithm_not_allowed");
        assert_eq!(refused("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"), "algorithm_not_allowed");
        assert_eq!(refused("http://www.w3.org/2001/04/xmldsig-more#rsa-md5"), "algorithm_not_allowed");
        assert_eq!(refused(""), "algorithm_not_allowed");
        assert!(DigestAlgorithm::from_uri("http://www.w3.org/2000/09/xmldsig#sha1", false).is_err());
        assert!(DigestAlgorithm::from_uri("http://www.w3.org/2001/04/xmldsig-more#md5", true).is_err());
        assert_eq!(
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, DigestAlgorithm::Sha256.digest(b"")),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
