"""A security key in software, for tests: it registers and signs as a real FIDO2 key does
(ES256, "none" attestation), so that the WebAuthn pages are tested with answers a browser would send."""

import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)

FLAGS = AuthenticatorData.FLAG


class SoftwareKey:
    def __init__(self, host: str = "testserver"):
        self.rp_id_hash = hashlib.sha256(host.encode()).digest()
        self.origin = f"https://{host}"
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.counter = 0

    def register(self, challenge) -> dict:
        """Answer a registration ceremony whose challenge is `challenge` (as the session keeps it)."""
        public = ES256.from_cryptography_key(self.private.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public)
        auth_data = AuthenticatorData.create(self.rp_id_hash, FLAGS.UP | FLAGS.UV | FLAGS.AT, 0, attested)
        client_data = CollectedClientData.create("webauthn.create", challenge, self.origin)
        attestation = AttestationObject.create("none", auth_data, {})
        response = AuthenticatorAttestationResponse(client_data=client_data, attestation_object=attestation)
        return dict(RegistrationResponse(raw_id=self.credential_id, response=response))

    def sign(self, challenge) -> dict:
        """Answer an authentication ceremony whose challenge is `challenge`."""
        self.counter += 1
        auth_data = AuthenticatorData.create(self.rp_id_hash, FLAGS.UP | FLAGS.UV, self.counter)
        client_data = CollectedClientData.create("webauthn.get", challenge, self.origin)
        signature = self.private.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        response = AuthenticatorAssertionResponse(
            client_data=client_data, authenticator_data=auth_data, signature=signature
        )
        return dict(AuthenticationResponse(raw_id=self.credential_id, response=response))
