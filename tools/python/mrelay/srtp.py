# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The mrelay authors
"""SRTP and SRTCP (RFC 3711, RFC 7714) on python3-cryptography.

An implementation written from the RFCs, independent of libsrtp, so that
tests can check what lib/srtp (libsrtp2) and the relay produce byte for
byte: AES_CM_128_HMAC_SHA1_80 and _32, AEAD_AES_128_GCM and
AEAD_AES_256_GCM; key derivation with the AES-CM PRF (RFC 3711 4.3, key
derivation rate 0; RFC 7714 section 11 for the 96-bit GCM salts); the
rollover counter by RFC 3711's index estimation (3.3.1, Appendix A); a
replay window per SSRC; SRTCP with the E flag and the 31-bit index.

Unlike the rest of this toolkit it needs python3-cryptography (Debian),
which lives with /usr/bin/python3.

    s = Session('AES_CM_128_HMAC_SHA1_80', material)   # key || salt
    srtp = s.protect_rtp(rtp)
    rtp = Session(...same key...).unprotect_rtp(srtp)  # raises SrtpError
"""

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.exceptions import InvalidTag

# KDF labels, RFC 3711 4.3.2
LABEL_RTP_ENC, LABEL_RTP_AUTH, LABEL_RTP_SALT = 0, 1, 2
LABEL_RTCP_ENC, LABEL_RTCP_AUTH, LABEL_RTCP_SALT = 3, 4, 5
AUTH_KEY_LEN = 20          # HMAC-SHA1 key, RFC 3711 4.2 / 8.2
REPLAY_WINDOW = 128        # libsrtp's default; RFC 3711 asks for at least 64
SRTCP_E = 0x80000000


@dataclass(frozen=True)
class Suite:
    """One crypto suite (RFC 4568 6.2, RFC 7714 14.1)."""
    name: str
    key_len: int
    salt_len: int
    rtp_tag: int
    rtcp_tag: int          # both AES-CM suites keep the 80-bit tag for SRTCP
    aead: bool

    @property
    def material_len(self) -> int:
        return self.key_len + self.salt_len

    @property
    def rtcp_overhead(self) -> int:
        return 4 + self.rtcp_tag


SUITES: Dict[str, Suite] = {s.name: s for s in (
    Suite('AES_CM_128_HMAC_SHA1_80', 16, 14, 10, 10, False),
    Suite('AES_CM_128_HMAC_SHA1_32', 16, 14, 4, 10, False),
    Suite('AEAD_AES_128_GCM', 16, 12, 16, 16, True),
    Suite('AEAD_AES_256_GCM', 32, 12, 16, 16, True),
)}


class SrtpError(Exception):
    """A packet refused; .reason is 'auth', 'replay' or 'malformed', the
    names lib/srtp gives the same outcomes."""

    def __init__(self, reason: str, msg: str = ''):
        super().__init__('%s%s' % (reason, ': ' + msg if msg else ''))
        self.reason = reason


def make_inline(material: bytes, lifetime: Optional[str] = None) -> str:
    """SDES key parameters for master key || salt (RFC 4568 6.1)."""
    s = 'inline:' + base64.b64encode(material).decode()
    return s + ('|' + lifetime if lifetime else '')


def parse_inline(params: str) -> bytes:
    """Master key || salt of 'inline:<base64>[|lifetime]' (no MKI)."""
    if not params.startswith('inline:'):
        raise ValueError('key parameters must start with inline:')
    fields = params[len('inline:'):].split('|')
    if any(':' in f for f in fields[1:]):
        raise ValueError('MKI not supported')
    b64 = fields[0]
    return base64.b64decode(b64 + '=' * (-len(b64) % 4), validate=True)


def fingerprint(suite: str, material: bytes) -> str:
    """What lib/srtp's mr_srtp_key_fingerprint() prints for a key."""
    h = hashlib.sha256(b'mrelay-srtp:' + suite.encode() + b':' + material)
    return h.hexdigest()[:12]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def aes_cm_keystream(key: bytes, iv: bytes, length: int) -> bytes:
    """AES in counter mode from the 16-byte counter block iv (RFC 3711
    4.1.1; only the low 16 bits count, which is all a packet needs)."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(bytes(length)) + enc.finalize()


def kdf(master_key: bytes, master_salt: bytes, label: int, length: int,
        index: int = 0, kdr: int = 0) -> bytes:
    """RFC 3711 4.3.1/4.3.3: the AES-CM PRF keyed with the master key, IV
    (master_salt XOR (label || r)) * 2^16, r = index DIV kdr (0 if kdr 0).
    A 96-bit GCM salt is padded with two zero octets (RFC 7714 11)."""
    salt = master_salt.ljust(14, b'\0')
    r = index // kdr if kdr else 0
    key_id = (label << 48) | r
    x = int.from_bytes(salt, 'big') ^ key_id
    return aes_cm_keystream(master_key, (x << 16).to_bytes(16, 'big'), length)


@dataclass
class Keys:
    """Session keys of one direction-independent master key."""
    rtp_enc: bytes
    rtp_auth: bytes
    rtp_salt: bytes
    rtcp_enc: bytes
    rtcp_auth: bytes
    rtcp_salt: bytes


def derive(suite: Suite, material: bytes) -> Keys:
    """Session keys from master key || salt (key derivation rate 0)."""
    if len(material) != suite.material_len:
        raise ValueError('%s needs %d bytes of key and salt, got %d'
                         % (suite.name, suite.material_len, len(material)))
    mk, ms = material[:suite.key_len], material[suite.key_len:]

    def d(label: int, n: int) -> bytes:
        return kdf(mk, ms, label, n)
    auth = 0 if suite.aead else AUTH_KEY_LEN
    return Keys(d(LABEL_RTP_ENC, suite.key_len), d(LABEL_RTP_AUTH, auth),
                d(LABEL_RTP_SALT, suite.salt_len), d(LABEL_RTCP_ENC, suite.key_len),
                d(LABEL_RTCP_AUTH, auth), d(LABEL_RTCP_SALT, suite.salt_len))


def rtp_header_len(pkt: bytes) -> int:
    """Length of the RTP header with CSRCs and extension; SrtpError
    'malformed' when it does not fit."""
    if len(pkt) < 12 or pkt[0] >> 6 != 2:
        raise SrtpError('malformed', 'not an RTP header')
    n = 12 + 4 * (pkt[0] & 0x0F)
    if pkt[0] & 0x10:
        if len(pkt) < n + 4:
            raise SrtpError('malformed', 'extension header cut')
        n += 4 + 4 * struct.unpack_from('!H', pkt, n + 2)[0]
    if len(pkt) < n:
        raise SrtpError('malformed', 'header longer than packet')
    return n


class _Replay:
    """Highest index and a window of the indices accepted below it."""

    def __init__(self, window: int):
        self.window = window
        self.top = -1
        self.seen = set()

    def check(self, index: int) -> None:
        if self.top >= 0 and index <= self.top - self.window:
            raise SrtpError('replay', 'index %d left of the window' % index)
        if index in self.seen:
            raise SrtpError('replay', 'index %d seen' % index)

    def add(self, index: int) -> None:
        self.seen.add(index)
        if index > self.top:
            self.top = index
            self.seen = {i for i in self.seen if i > index - self.window}


class _RtpState:
    """RFC 3711 3.3.1: ROC and s_l, the highest sequence number seen."""

    def __init__(self, seq: int, window: int):
        self.roc = 0
        self.s_l = seq
        self.replay = _Replay(window)

    def estimate(self, seq: int) -> int:
        """Index of seq (Appendix A); -1 for a ROC below 0."""
        if self.s_l < 0x8000:
            v = self.roc - 1 if seq - self.s_l > 0x8000 else self.roc
        else:
            v = self.roc + 1 if self.s_l - 0x8000 > seq else self.roc
        return -1 if v < 0 else (v << 16) | seq

    def update(self, index: int) -> None:
        v, seq = index >> 16, index & 0xFFFF
        if v == self.roc and seq > self.s_l:
            self.s_l = seq
        elif v == self.roc + 1:
            self.roc, self.s_l = v, seq


class Session:
    """SRTP/SRTCP with one master key, per-SSRC state for any number of
    SSRCs, in either direction (keep one Session per direction, as
    libsrtp's contexts do)."""

    def __init__(self, suite: str, material: Optional[bytes] = None,
                 window: int = REPLAY_WINDOW, keys: Optional[Keys] = None):
        """material: master key || salt; or keys: session keys as they
        are (the RFC 7714 vectors give those, not master keys)."""
        if suite not in SUITES:
            raise ValueError('unknown suite %r' % suite)
        self.suite = SUITES[suite]
        if keys is None:
            if material is None:
                raise ValueError('need material or keys')
            keys = derive(self.suite, material)
        self.keys = keys
        self.window = window
        self.rtp: Dict[int, _RtpState] = {}
        self.rtcp_replay: Dict[int, _Replay] = {}
        self.rtcp_next: Dict[int, int] = {}

    # ---- SRTP ----

    def _iv_rtp(self, ssrc: int, index: int, salt: bytes) -> bytes:
        if self.suite.aead:
            # RFC 7714 8.1: 00 00 || SSRC || ROC || SEQ, XOR salt
            return _xor(salt, struct.pack('!HIIH', 0, ssrc, index >> 16, index & 0xFFFF))
        x = (int.from_bytes(salt, 'big') << 16) ^ (ssrc << 64) ^ (index << 16)
        return x.to_bytes(16, 'big')

    def _rtp_transform(self, pkt: bytes, hlen: int, ssrc: int, index: int,
                       encrypt: bool) -> bytes:
        """Whole SRTP packet from RTP (encrypt) or RTP from SRTP (the tag
        already checked for AES-CM; checked here for GCM)."""
        k = self.keys
        iv = self._iv_rtp(ssrc, index, k.rtp_salt)
        hdr = pkt[:hlen]
        if self.suite.aead:
            g = AESGCM(k.rtp_enc)
            if encrypt:
                return hdr + g.encrypt(iv, pkt[hlen:], hdr)
            try:
                return hdr + g.decrypt(iv, pkt[hlen:], hdr)
            except InvalidTag:
                raise SrtpError('auth', 'GCM tag') from None
        body = pkt[hlen:]
        return hdr + _xor(body, aes_cm_keystream(k.rtp_enc, iv, len(body)))

    def _rtp_tag(self, auth_portion: bytes, roc: int, n: int) -> bytes:
        mac = hmac.new(self.keys.rtp_auth, auth_portion + struct.pack('!I', roc), hashlib.sha1)
        return mac.digest()[:n]

    def protect_rtp(self, pkt: bytes, roc: Optional[int] = None) -> bytes:
        """Encrypt and tag one RTP packet. The index comes from this
        session's sender state (ROC 0 at its first packet, then RFC 3711
        estimation), unless roc is given."""
        hlen = rtp_header_len(pkt)
        seq, ssrc = struct.unpack_from('!H4xI', pkt, 2)
        st = self.rtp.setdefault(ssrc, _RtpState(seq, self.window))
        index = (roc << 16) | seq if roc is not None else st.estimate(seq)
        if index < 0:
            raise SrtpError('replay', 'sequence number before the first')
        st.update(index)
        out = self._rtp_transform(pkt, hlen, ssrc, index, True)
        if not self.suite.aead:
            out += self._rtp_tag(out, index >> 16, self.suite.rtp_tag)
        return out

    def unprotect_rtp(self, pkt: bytes) -> bytes:
        """Check and decrypt one SRTP packet; SrtpError when refused.
        State (ROC, replay window) changes only when it is accepted."""
        tag_len = self.suite.rtp_tag
        hlen = rtp_header_len(pkt)
        if len(pkt) < hlen + tag_len:
            raise SrtpError('malformed', 'shorter than header and tag')
        seq, ssrc = struct.unpack_from('!H4xI', pkt, 2)
        st = self.rtp.get(ssrc) or _RtpState(seq, self.window)
        index = st.estimate(seq)
        if index < 0:
            raise SrtpError('replay', 'before the first packet')
        st.replay.check(index)
        if self.suite.aead:
            out = self._rtp_transform(pkt, hlen, ssrc, index, False)
        else:
            body, tag = pkt[:-tag_len], pkt[-tag_len:]
            if not hmac.compare_digest(self._rtp_tag(body, index >> 16, tag_len), tag):
                raise SrtpError('auth', 'HMAC-SHA1 tag')
            out = self._rtp_transform(body, hlen, ssrc, index, False)
        self.rtp[ssrc] = st
        st.update(index)
        st.replay.add(index)
        return out

    def roc(self, ssrc: int) -> Optional[int]:
        """The ROC of an SSRC's RTP, None when never seen."""
        st = self.rtp.get(ssrc)
        return st.roc if st else None

    # ---- SRTCP ----

    def _iv_rtcp(self, ssrc: int, index: int) -> bytes:
        salt = self.keys.rtcp_salt
        if self.suite.aead:
            # RFC 7714 9.1: 00 00 || SSRC || 00 00 || 0 || index(31), XOR salt
            return _xor(salt, struct.pack('!HIHI', 0, ssrc, 0, index))
        x = (int.from_bytes(salt, 'big') << 16) ^ (ssrc << 64) ^ (index << 16)
        return x.to_bytes(16, 'big')

    def protect_rtcp(self, pkt: bytes, index: Optional[int] = None,
                     encrypt: bool = True) -> bytes:
        """SRTCP: the packet (encrypted after its first 8 bytes unless
        encrypt is False), then E flag + index, then the tag (AES-CM), or
        RFC 7714 9's layout (GCM: tag before E + index). index defaults
        to this session's count for the SSRC, from 0 (RFC 3711 3.4)."""
        if len(pkt) < 8:
            raise SrtpError('malformed', 'RTCP shorter than 8 bytes')
        ssrc = struct.unpack_from('!I', pkt, 4)[0]
        if index is None:
            index = self.rtcp_next.get(ssrc, 0)
        self.rtcp_next[ssrc] = (index + 1) & 0x7FFFFFFF
        trailer = struct.pack('!I', (SRTCP_E if encrypt else 0) | index)
        iv = self._iv_rtcp(ssrc, index)
        k = self.keys
        if self.suite.aead:
            g = AESGCM(k.rtcp_enc)
            if encrypt:
                return pkt[:8] + g.encrypt(iv, pkt[8:], pkt[:8] + trailer) + trailer
            return pkt + g.encrypt(iv, b'', pkt + trailer) + trailer
        body = pkt[:8] + (_xor(pkt[8:], aes_cm_keystream(k.rtcp_enc, iv, len(pkt) - 8))
                          if encrypt else pkt[8:])
        mac = hmac.new(k.rtcp_auth, body + trailer, hashlib.sha1).digest()
        return body + trailer + mac[:self.suite.rtcp_tag]

    def unprotect_rtcp(self, pkt: bytes) -> Tuple[bytes, int, bool]:
        """-> (RTCP packet, SRTCP index, E flag); SrtpError when refused."""
        tag_len = self.suite.rtcp_tag
        if len(pkt) < 8 + 4 + tag_len:
            raise SrtpError('malformed', 'shorter than header, index and tag')
        ssrc = struct.unpack_from('!I', pkt, 4)[0]
        k = self.keys
        if self.suite.aead:
            trailer = pkt[-4:]
            body, tag = pkt[:-4 - tag_len], pkt[-4 - tag_len:-4]
        else:
            trailer = pkt[-4 - tag_len:-tag_len]
            body, tag = pkt[:-4 - tag_len], pkt[-tag_len:]
        word = struct.unpack('!I', trailer)[0]
        e, index = bool(word & SRTCP_E), word & 0x7FFFFFFF
        replay = self.rtcp_replay.get(ssrc) or _Replay(REPLAY_WINDOW)
        replay.check(index)
        iv = self._iv_rtcp(ssrc, index)
        if self.suite.aead:
            g = AESGCM(k.rtcp_enc)
            try:
                if e:
                    out = body[:8] + g.decrypt(iv, body[8:] + tag, body[:8] + trailer)
                else:
                    g.decrypt(iv, tag, body + trailer)
                    out = body
            except InvalidTag:
                raise SrtpError('auth', 'GCM tag') from None
        else:
            mac = hmac.new(k.rtcp_auth, body + trailer, hashlib.sha1).digest()
            if not hmac.compare_digest(mac[:tag_len], tag):
                raise SrtpError('auth', 'HMAC-SHA1 tag')
            out = body
            if e:
                out = body[:8] + _xor(body[8:], aes_cm_keystream(k.rtcp_enc, iv, len(body) - 8))
        self.rtcp_replay[ssrc] = replay
        replay.add(index)
        return out, index, e
