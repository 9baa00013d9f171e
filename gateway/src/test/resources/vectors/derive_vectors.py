#!/usr/bin/env python3
"""Writes meta.json, twilio.json, standard.json, telegram.json and infobip.json next to this file.

Official known-answer values are copied from the providers' SDK test suites (named in each case's
"source") and re-checked here with `openssl dgst`; values marked "derived" were computed with
`openssl dgst` (an implementation independent of the Java code under test). Run from any directory:
    python3 derive_vectors.py
"""
import base64
import hashlib
import json
import os
import subprocess
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def openssl_hmac(alg, key: bytes, data: bytes) -> bytes:
    out = subprocess.run(
        ["openssl", "dgst", "-" + alg, "-mac", "HMAC", "-macopt", "hexkey:" + key.hex(), "-binary"],
        input=data, capture_output=True, check=True).stdout
    return out


def meta_sig(secret: str, body: bytes) -> str:
    return "sha256=" + openssl_hmac("sha256", secret.encode(), body).hex()


def twilio_sig(token: str, url: str, params: dict) -> str:
    data = url
    for name in sorted(params):
        for value in sorted(params[name]):
            data += name + value
    return base64.b64encode(openssl_hmac("sha1", token.encode(), data.encode())).decode()


def std_sig(secret: str, msg_id: str, ts: str, body: bytes) -> str:
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    return "v1," + base64.b64encode(
        openssl_hmac("sha256", key, f"{msg_id}.{ts}.".encode() + body)).decode()


def form_body(params: dict) -> str:
    return "&".join(urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe="")
                    for k, vs in params.items() for v in vs)


def write(name, cases):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- Meta
META_SRC = ("WhatsApp/WhatsApp-Nodejs-SDK src/__tests__/utils.test.ts 'signature match' "
            "(secret = M4D_APP_SECRET from jest.config.ts globals.sdk_config)")
META_SECRET = "TEST_APP_SECRET"
META_KNOWN = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"
assert meta_sig(META_SECRET, b"test") == META_KNOWN
JSON_CT = {"Content-Type": "application/json"}
# A WhatsApp text message as Meta sends it: non-ASCII escaped as \uXXXX (the escapes are body bytes).
wa_escaped = ('{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
              '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
              '"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ren\\u00e9e"},'
              '"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",'
              '"timestamp":"1749416383","text":{"body":"Caf\\u00e9 \\ud83d\\ude00"},"type":"text"}]},'
              '"field":"messages"}]}]}')
wa_raw = wa_escaped.encode().decode("unicode_escape").encode("utf-16", "surrogatepass").decode("utf-16")
meta = [
    {"name": "sdk known answer: body 'test'", "source": META_SRC, "secret": META_SECRET,
     "headers": {"X-Hub-Signature-256": META_KNOWN}, "body": "test", "expect": "valid"},
    {"name": "upper-case hex digits are accepted", "source": "derived from the SDK known answer",
     "secret": META_SECRET, "headers": {"X-Hub-Signature-256": "sha256=" + META_KNOWN[7:].upper()},
     "body": "test", "expect": "valid"},
    {"name": "tampered body", "source": "derived from the SDK known answer", "secret": META_SECRET,
     "headers": {"X-Hub-Signature-256": META_KNOWN}, "body": "Test", "expect": "invalid"},
    {"name": "wrong app secret", "source": "derived from the SDK known answer",
     "secret": "TEST_APP_SECRET_2", "headers": {"X-Hub-Signature-256": META_KNOWN}, "body": "test",
     "expect": "invalid"},
    {"name": "wrong prefix (legacy sha1= label on a sha256 value)", "source": "derived",
     "secret": META_SECRET, "headers": {"X-Hub-Signature-256": "sha1=" + META_KNOWN[7:]},
     "body": "test", "expect": "invalid"},
    {"name": "missing header", "source": "derived", "secret": META_SECRET, "headers": {},
     "body": "test", "expect": "invalid"},
    {"name": "not hex", "source": "derived", "secret": META_SECRET,
     "headers": {"X-Hub-Signature-256": "sha256=bad"}, "body": "test", "expect": "invalid"},
    {"name": "all-zero signature", "source": "derived", "secret": META_SECRET,
     "headers": {"X-Hub-Signature-256": "sha256=" + "0" * 64}, "body": "test", "expect": "invalid"},
    {"name": "whatsapp payload with \\u escapes", "source": "derived: openssl dgst -sha256 -hmac",
     "secret": META_SECRET, "headers": {**JSON_CT, "X-Hub-Signature-256": meta_sig(META_SECRET, wa_escaped.encode())},
     "body": wa_escaped, "expect": "valid"},
    {"name": "whatsapp payload with raw UTF-8", "source": "derived: openssl dgst -sha256 -hmac",
     "secret": META_SECRET, "headers": {**JSON_CT, "X-Hub-Signature-256": meta_sig(META_SECRET, wa_raw.encode())},
     "body": wa_raw, "expect": "valid"},
    {"name": "signature of the escaped payload does not cover its re-serialised UTF-8 form",
     "source": "derived: openssl dgst -sha256 -hmac", "secret": META_SECRET,
     "headers": {**JSON_CT, "X-Hub-Signature-256": meta_sig(META_SECRET, wa_escaped.encode())},
     "body": wa_raw, "expect": "invalid"},
]
write("meta.json", meta)

# ---------------------------------------------------------------- Twilio
TW = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": ["CA1234567890ABCDE"], "Caller": ["+14158675309"], "Digits": ["1234"],
          "From": ["+14158675309"], "To": ["+18005551212"]}
DUP = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
BODY = '{"property": "value", "boolean": true}'
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
assert hashlib.sha256(BODY.encode()).hexdigest() == BODY_HASH
J = "twilio/twilio-java src/test/java/com/twilio/security/RequestValidatorTest.java"
P = "twilio/twilio-python tests/unit/test_request_validator.py"
R = "twilio/twilio-ruby spec/security/request_validator_spec.rb"
PHP = "twilio/twilio-php tests/Twilio/Unit/RequestValidatorTest.php"
FORM_CT = "application/x-www-form-urlencoded"


def tw_form(name, source, url, params, sig, expect, check_url=None):
    if check_url is not None:  # re-derive the official value over the URL the SDK says it signed
        assert twilio_sig(TW, check_url, params) == sig, name
    headers = {"Content-Type": FORM_CT}
    if sig is not None:
        headers["X-Twilio-Signature"] = sig
    return {"name": name, "source": source, "secret": TW, "url": url, "headers": headers,
            "formParams": params, "body": form_body(params), "expect": expect}


def tw_json(name, source, url, body, sig, expect, check_url=None):
    if check_url is not None:
        assert twilio_sig(TW, check_url, {}) == sig, name
    headers = {"Content-Type": "application/json"}
    if sig is not None:
        headers["X-Twilio-Signature"] = sig
    return {"name": name, "source": source, "secret": TW, "url": url, "headers": headers,
            "body": body, "expect": expect}


RSOYD = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
port1234 = URL.replace(".com", ".com:1234")
custom_port_sig = twilio_sig(TW, port1234, PARAMS)
tampered = dict(PARAMS, Digits=["1235"])
twilio = [
    tw_form("sdk known answer", f"{J} testValidate; {P}; {R}; {PHP}", URL, PARAMS, RSOYD, "valid", URL),
    tw_form("sdk incorrect signature", f"{J} testFailsWhenIncorrect", URL, PARAMS,
            "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=", "invalid"),
    tw_form("ruby fake signature", f"{R} 'should not validate a request with wrong signature'", URL,
            PARAMS, "fake_signature", "invalid"),
    tw_form("https custom port: signature without the port", f"{J} testValidateRemovesPortHttps",
            port1234, PARAMS, RSOYD, "valid", URL),
    tw_form("http custom port: signature with the port kept", f"{J} testValidateRemovesPortHttp",
            port1234.replace("https", "http"), PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", "valid",
            port1234.replace("https", "http")),
    tw_form("https without port: signature with :443 added", f"{J} testValidateAddsPortHttps", URL,
            PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=", "valid", URL.replace(".com", ".com:443")),
    tw_form("http without port: signature with :80 added", f"{J} testValidateAddsPortHttp",
            URL.replace("https", "http"), PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4=", "valid",
            URL.replace("https", "http").replace(".com", ".com:80")),
    tw_form("https custom port: signature with the custom port kept",
            "derived: openssl dgst -sha1 -hmac", port1234, PARAMS, custom_port_sig, "valid", port1234),
    tw_form("custom port is never replaced by the default port",
            "derived from the :443 SDK vector", port1234, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=",
            "invalid"),
    tw_form("user info kept", f"{R} 'should validate urls with credentials'; {PHP} testBuildUrlCreds",
            "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", PARAMS,
            "CukzLTc1tT5dXEDIHm/tKBanW10=", "valid",
            "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2"),
    tw_form("user name only kept", f"{R} 'should validate urls with just username'",
            "https://user@mycompany.com/myapp.php?foo=1&bar=2", PARAMS,
            "2YRLlVAflCqxaNicjMpJcSTgzSs=", "valid", "https://user@mycompany.com/myapp.php?foo=1&bar=2"),
    tw_form("user info with :443 added", f"{R} 'should validate urls with credentials by adding port'",
            "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", PARAMS,
            "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=", "valid",
            "https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2"),
    tw_form("host case is signed as given", "derived from the SDK known answer",
            "https://MyCompany.com/myapp.php?foo=1&bar=2", PARAMS, RSOYD, "invalid"),
    tw_form("repeated keys: names sorted, values sorted within a name",
            f"{P} test_compute_signature_duplicate_multi_dict", URL, DUP,
            "IK+Dwps556ElfBT0I3Rgjkr1wJU=", "valid", URL),
    tw_form("tampered parameter", "derived from the SDK known answer", URL, tampered, RSOYD, "invalid"),
    tw_form("missing header", "derived", URL, PARAMS, None, "invalid"),
    tw_json("json body with bodySHA256", f"{J} testValidateWithBody; {P} test_validation_of_body_succeeds",
            URL + "&bodySHA256=" + BODY_HASH, BODY, "a9nBmqA0ju/hNViExpshrM61xv4=", "valid",
            URL + "&bodySHA256=" + BODY_HASH),
    tw_json("json body with bodySHA256 as the only query parameter",
            f"{J} testValidateWithNoOtherParameters", "https://mycompany.com/myapp.php?bodySHA256=" + BODY_HASH,
            BODY, "y77kIzt2vzLz71DgmJGsen2scGs=", "valid",
            "https://mycompany.com/myapp.php?bodySHA256=" + BODY_HASH),
    tw_json("json body without bodySHA256", f"{J} testValidateBodyWithoutSignature", URL, BODY, RSOYD,
            "invalid"),
    tw_json("json body without query string", f"{PHP} testValidateBodyWithoutQueryString",
            "https://mycompany.com/myapp.php", BODY, RSOYD, "invalid"),
    tw_json("json body tampered (bodySHA256 and signature unchanged)", "derived from the SDK vector",
            URL + "&bodySHA256=" + BODY_HASH, BODY.replace("true", "false"),
            "a9nBmqA0ju/hNViExpshrM61xv4=", "invalid"),
]
write("twilio.json", twilio)

# ---------------------------------------------------------------- Standard Webhooks
SW_SRC = ("standard-webhooks/standard-webhooks libraries/java/src/test/java/com/standardwebhooks/"
          "WebhookTest.java verifyWebhookSignWorks; libraries/javascript/src/webhook.test.ts "
          "'sign function works'; svix/svix-webhooks java/lib/src/test/com/svix/test/WebhookTest.java")
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TS = 1614265330
SW_BODY = '{"test": 2432232314}'
SW_KNOWN = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
assert std_sig(SW_SECRET, MSG, str(TS), SW_BODY.encode()) == SW_KNOWN
BOGUS = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
MULTI_SRC = ("standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts "
             "'multi sig payload is valid' (bogus entries) + the sign known answer")


def sw(name, source, headers, expect, body=SW_BODY, secret=SW_SECRET, now=TS):
    return {"name": name, "source": source, "secret": secret, "nowEpochSeconds": now,
            "toleranceSeconds": 300, "headers": {"Content-Type": "application/json", **headers},
            "body": body, "expect": expect}


def hdr(sig=SW_KNOWN, ts=str(TS), msg=MSG, prefix="webhook"):
    h = {}
    if msg is not None:
        h[prefix + "-id"] = msg
    if ts is not None:
        h[prefix + "-timestamp"] = ts
    if sig is not None:
        h[prefix + "-signature"] = sig
    return h


uni_body = '{"type":"message.sent","data":{"text":"Grüße aus Zürich 👋"}}'
standard = [
    sw("sign known answer", SW_SRC, hdr(), "valid"),
    sw("secret without whsec_ prefix", SW_SRC + " (verifySecretWorksWithOrWithoutPrefix)", hdr(),
       "valid", secret=SW_SECRET[len("whsec_"):]),
    sw("svix-branded headers", "svix/svix-webhooks java/lib/src/test/com/svix/test/WebhookTest.java",
       hdr(prefix="svix"), "valid"),
    sw("multiple signatures, one valid v1", MULTI_SRC,
       hdr(sig=" ".join([BOGUS, "v2" + BOGUS[2:], SW_KNOWN, BOGUS])), "valid"),
    sw("timestamp at the edge of the 5-minute tolerance", "derived", hdr(), "valid", now=TS + 300),
    sw("only another version carries the right signature",
       "standard-webhooks libraries/java WebhookTest verifySignatureWithDifferentVersionThrowsException",
       hdr(sig="v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), "invalid"),
    sw("v1 signature is not the HMAC", "standard-webhooks libraries/java WebhookTest verifySignatureMismatchThrowsException",
       hdr(sig="v1,invalid_signature"), "invalid"),
    sw("signature without version", "standard-webhooks libraries/java WebhookTest verifyMissingPartsInSignatureThrowsException",
       hdr(sig="invalid_signature"), "invalid"),
    sw("partial signature", "standard-webhooks libraries/javascript webhook.test.ts 'partial signature throws error'",
       hdr(sig=SW_KNOWN[:8]), "invalid"),
    sw("empty v1 signature", "standard-webhooks libraries/javascript webhook.test.ts 'partial signature throws error'",
       hdr(sig="v1,"), "invalid"),
    sw("tampered body", "derived from the sign known answer", hdr(), "invalid",
       body='{"test": 2432232315}'),
    sw("wrong secret", "derived", hdr(), "invalid",
       secret="whsec_" + base64.b64encode(b"another-endpoint-secret!").decode()),
    sw("timestamp too old", "standard-webhooks WebhookTest verifyOldTimestampThrowsException (5 min + 1 s)",
       hdr(), "invalid", now=TS + 301),
    sw("timestamp too new", "standard-webhooks WebhookTest verifyNewTimestampThrowsException (5 min + 1 s)",
       hdr(), "invalid", now=TS - 301),
    sw("non-integer timestamp", "standard-webhooks libraries/javascript webhook.test.ts 'invalid timestamp throws error'",
       hdr(ts="hello"), "invalid"),
    sw("missing id", "standard-webhooks WebhookTest verifyMissingIdThrowsException", hdr(msg=None), "invalid"),
    sw("missing timestamp", "standard-webhooks WebhookTest verifyMissingTimestampThrowsException",
       hdr(ts=None), "invalid"),
    sw("missing signature", "standard-webhooks WebhookTest verifyMissingSignatureThrowsException",
       hdr(sig=None), "invalid"),
    sw("non-ASCII body", "derived: openssl dgst -sha256 -mac HMAC",
       hdr(sig=std_sig(SW_SECRET, MSG, str(TS), uni_body.encode())), "valid", body=uni_body),
]
write("standard.json", standard)

# ---------------------------------------------------------------- Telegram
TG_SRC = ("constructed: Telegram compares the header with setWebhook secret_token verbatim "
          "(core.telegram.org/bots/api#setwebhook); no official fixed vector exists")
TG_SECRET = "sluice_Webhook-Secret_0123456789"
TG_BODY = ('{"update_id":10000,"message":{"message_id":1365,"from":{"id":1111111,"is_bot":false,'
           '"first_name":"Test","username":"Test"},"chat":{"id":1111111,"first_name":"Test",'
           '"username":"Test","type":"private"},"date":1441645532,"text":"/start"}}')


def tg(name, header, expect):
    h = {"Content-Type": "application/json"}
    if header is not None:
        h["X-Telegram-Bot-Api-Secret-Token"] = header
    return {"name": name, "source": TG_SRC, "secret": TG_SECRET, "headers": h, "body": TG_BODY,
            "expect": expect}


telegram = [
    tg("exact token", TG_SECRET, "valid"),
    tg("different token", "sluice_Webhook-Secret_0123456788", "invalid"),
    tg("token in another case", TG_SECRET.upper(), "invalid"),
    tg("prefix of the token", TG_SECRET[:-1], "invalid"),
    tg("token with a suffix", TG_SECRET + "0", "invalid"),
    tg("characters outside the Bot API alphabet", "sluice Webhook/Secret", "invalid"),
    tg("missing header", None, "invalid"),
]
write("telegram.json", telegram)

# ---------------------------------------------------------------- Infobip
IB_SRC = ("constructed: Infobip webhooks are not signed; the channel's shared secret comes back in "
          "Authorization (Basic/Bearer/App, see provider-facts section 5)")
IB_SECRET = "ib-Channel-Secret-42"
IB_BODY = ('{"results":[{"bulkId":"BULK-ID-123-xyz","messageId":"MESSAGE-ID-123-xyz","to":"41793026727",'
           '"sender":"InfoSMS","sentAt":"2019-11-09T16:00:00.000+0000","doneAt":"2019-11-09T16:00:00.000+0000",'
           '"messageCount":1,"price":{"pricePerMessage":0.01,"currency":"EUR"},"status":{"groupId":3,'
           '"groupName":"DELIVERED","id":5,"name":"DELIVERED_TO_HANDSET","description":"Message delivered to handset"},'
           '"error":{"groupId":0,"groupName":"OK","id":0,"name":"NO_ERROR","description":"No Error","permanent":false}}]}')


def b64(s):
    return base64.b64encode(s.encode()).decode()


def ib(name, header, expect):
    h = {"Content-Type": "application/json"}
    if header is not None:
        h["Authorization"] = header
    return {"name": name, "source": IB_SRC, "secret": IB_SECRET, "headers": h, "body": IB_BODY,
            "expect": expect}


infobip = [
    ib("basic with any user", "Basic " + b64("infobip:" + IB_SECRET), "valid"),
    ib("basic scheme in lower case", "basic " + b64("x:" + IB_SECRET), "valid"),
    ib("basic password containing a colon is compared whole", "Basic " + b64("u:" + IB_SECRET + ":x"), "invalid"),
    ib("bearer", "Bearer " + IB_SECRET, "valid"),
    ib("app", "App " + IB_SECRET, "valid"),
    ib("app scheme in upper case", "APP " + IB_SECRET, "valid"),
    ib("basic with the wrong password", "Basic " + b64("infobip:wrong"), "invalid"),
    ib("bearer with the wrong token", "Bearer " + IB_SECRET + "x", "invalid"),
    ib("secret in the user part only", "Basic " + b64(IB_SECRET + ":"), "invalid"),
    ib("unknown scheme", "Digest " + IB_SECRET, "invalid"),
    ib("basic credentials not base64", "Basic " + IB_SECRET, "invalid"),
    ib("basic credentials without a colon", "Basic " + b64(IB_SECRET), "invalid"),
    ib("scheme without credentials", "Bearer", "invalid"),
    ib("missing header", None, "invalid"),
]
write("infobip.json", infobip)
print("ok")
