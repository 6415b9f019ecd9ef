"""Device keys as an independent client makes them (../shared/E2E.md §3),
with Debian's python3-cryptography rather than Parley's own code: a test
of the key directory must not trust the code it tests to sign."""
import base64
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def b64(data):
    return base64.b64encode(data).decode()


def raw_public(key):
    return key.public_key().public_bytes(*RAW)


class DeviceKeys:
    def __init__(self, prekeys=100, first_prekey=1):
        self.ik = Ed25519PrivateKey.generate()
        self.ikdh = X25519PrivateKey.generate()
        self.spk_id = 1
        self.spk = X25519PrivateKey.generate()
        self.next_prekey = first_prekey
        self.prekeys = {}
        self.make_prekeys(prekeys)

    def make_prekeys(self, n):
        made = []
        for _ in range(n):
            key_id = self.next_prekey
            self.next_prekey += 1
            self.prekeys[key_id] = X25519PrivateKey.generate()
            made.append({"id": key_id, "key": b64(raw_public(self.prekeys[key_id]))})
        return made

    @property
    def identity_key(self):
        return b64(raw_public(self.ik))

    @property
    def identity_dh(self):
        return b64(raw_public(self.ikdh))

    @property
    def identity_sig(self):
        return b64(self.ik.sign(b"Parley identity v1" + raw_public(self.ikdh)))

    def signed_prekey(self, key_id=None, key=None):
        key_id = self.spk_id if key_id is None else key_id
        public = raw_public(key or self.spk)
        sig = self.ik.sign(b"Parley signed prekey v1" + struct.pack(">I", key_id) + public)
        return {"id": key_id, "key": b64(public), "sig": b64(sig)}

    def identity(self):
        return {"identity_key": self.identity_key, "identity_dh": self.identity_dh,
                "identity_sig": self.identity_sig}

    def first_upload(self, prekeys=None):
        """The body of a device's first PUT /v1/keys."""
        opks = [{"id": i, "key": b64(raw_public(k))} for i, k in self.prekeys.items()]
        return {**self.identity(), "signed_prekey": self.signed_prekey(),
                "one_time_prekeys": opks if prekeys is None else prekeys}


def publish(base, http, token, keys=None, prekeys=None):
    """Publishes a device's keys; the DeviceKeys."""
    keys = keys or DeviceKeys()
    status, body = http(base, "PUT", "/v1/keys", keys.first_upload(prekeys), token=token)
    assert status == 200, (status, body)
    return keys
