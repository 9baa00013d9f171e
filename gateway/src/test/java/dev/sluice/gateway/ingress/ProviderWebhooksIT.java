package dev.sluice.gateway.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.ingress.IngressHarness.Tenant;
import dev.sluice.gateway.testing.TestBackends;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One realistic, correctly signed webhook per provider, end to end: from the HTTP request to the
 * event a tenant pulls, field by field; and the refusals around them (handshake, unknown or
 * wrong-provider ids, IP allow-list, stale timestamps, oversized bodies).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProviderWebhooksIT {
  private static final String META_SECRET = "meta-app-secret-provider-webhooks";
  private static final String VERIFY_TOKEN = "verify-token-provider-webhooks";
  private static final int MAX_BODY_BYTES = 16 * 1024;
  private static final AtomicLong ADDRESSES = new AtomicLong(System.nanoTime() % 1_000_000);

  private static IngressHarness h;
  private static String app;

  @BeforeAll
  static void start() {
    TestBackends.requireRedis();
    h = IngressHarness.start(Map.of("http.maxBodyBytes", Integer.toString(MAX_BODY_BYTES)));
    app = TestBackends.uniqueId("app");
    h.metaApp(app, META_SECRET, VERIFY_TOKEN);
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  // ---- Meta ----

  @Test
  void whatsAppStatusesBecomeStatusEventsForTheRecipient() {
    Tenant t = h.tenant("pw-wa");
    String phoneId = "1065" + ADDRESSES.incrementAndGet();
    String channel = metaChannel(t, "whatsapp", phoneId);
    String body =
        """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
         "messaging_product":"whatsapp",
         "metadata":{"display_phone_number":"15550783881","phone_number_id":"%s"},
         "statuses":[
          {"id":"wamid.ST-DELIVERED","status":"delivered","timestamp":"1750857386",
           "recipient_id":"16505551234","conversation":{"id":"a75d17ad","origin":{"type":"service"}}},
          {"id":"wamid.ST-FAILED","status":"failed","timestamp":"1750857400","recipient_id":"16505559876",
           "errors":[{"code":131047,"title":"Re-engagement message"}]}]},
         "field":"messages"}]}]}"""
            .formatted(phoneId);

    HttpResponse<Buffer> r = h.postMeta(app, META_SECRET, body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("events")).isEqualTo(2);
    JsonArray events = h.drain(t.apiKey(), "inbound");
    JsonObject delivered = byMessageId(events, "wamid.ST-DELIVERED");
    assertThat(delivered.getString("channel")).isEqualTo(channel);
    assertThat(delivered.getString("provider")).isEqualTo("whatsapp");
    assertThat(delivered.getString("kind")).isEqualTo("status");
    assertThat(delivered.getString("status")).isEqualTo("delivered");
    assertThat(delivered.getString("from")).isEqualTo("+15550783881");
    assertThat(delivered.getString("to")).isEqualTo("+16505551234");
    assertThat(delivered.containsKey("messageId")).isTrue();
    assertThat(delivered.getString("messageId")).isNull(); // sent around the gateway
    assertThat(delivered.getLong("timestamp")).isEqualTo(1750857386L);
    assertThat(delivered.getString("errorCode")).isNull();
    assertThat(delivered.getJsonObject("raw").getString("status")).isEqualTo("delivered");
    JsonObject failed = byMessageId(events, "wamid.ST-FAILED");
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("errorCode")).isEqualTo("131047");
    assertThat(failed.getString("to")).isEqualTo("+16505559876");
  }

  @Test
  void messengerMessageLandsWithSenderPageAndText() {
    Tenant t = h.tenant("pw-fb");
    String pageId = "1045" + ADDRESSES.incrementAndGet();
    String channel = metaChannel(t, "messenger", pageId);
    String body =
        """
        {"object":"page","entry":[{"id":"%1$s","time":1458692752478,"messaging":[
         {"sender":{"id":"6945738362236453"},"recipient":{"id":"%1$s"},"timestamp":1458692752478,
          "message":{"mid":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM","text":"hello, world!",
           "quick_reply":{"payload":"DEVELOPER_DEFINED_PAYLOAD"}}}]}]}"""
            .formatted(pageId);

    HttpResponse<Buffer> r = h.postMeta(app, META_SECRET, body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("messenger");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("providerMessageId")).isEqualTo("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM");
    assertThat(e.getString("from")).isEqualTo("6945738362236453");
    assertThat(e.getString("to")).isEqualTo(pageId);
    assertThat(e.getString("type")).isEqualTo("text");
    assertThat(e.getString("text")).isEqualTo("hello, world!");
    assertThat(e.getLong("timestamp")).isEqualTo(1458692752L);
  }

  @Test
  void instagramMessageLandsWithSenderAccountAndText() {
    Tenant t = h.tenant("pw-ig");
    String accountId = "1784" + ADDRESSES.incrementAndGet();
    String channel = metaChannel(t, "instagram", accountId);
    String body =
        """
        {"object":"instagram","entry":[{"id":"%1$s","time":1569262486134,"messaging":[
         {"sender":{"id":"1234567890123456"},"recipient":{"id":"%1$s"},"timestamp":1569262485349,
          "message":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE","text":"Is this available in blue?"}}]}]}"""
            .formatted(accountId);

    HttpResponse<Buffer> r = h.postMeta(app, META_SECRET, body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("instagram");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("providerMessageId")).isEqualTo("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE");
    assertThat(e.getString("from")).isEqualTo("1234567890123456");
    assertThat(e.getString("to")).isEqualTo(accountId);
    assertThat(e.getString("text")).isEqualTo("Is this available in blue?");
    assertThat(e.getLong("timestamp")).isEqualTo(1569262485L);
  }

  @Test
  void metaHandshakeEchoesTheChallengeOnlyForTheRightTokenAndMode() {
    HttpResponse<Buffer> ok =
        handshake(
            app,
            "?hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1158201444");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(ok.bodyAsString()).isEqualTo("1158201444");

    assertError(
        handshake(app, "?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444"),
        403,
        "verification_failed");
    assertError(
        handshake(
            app,
            "?hub.mode=unsubscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1158201444"),
        403,
        "verification_failed");
    assertError(
        handshake(app, "?hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1158201444"),
        403,
        "verification_failed");
    assertError(
        handshake(
            "no-such-app",
            "?hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1"),
        404,
        "unknown_app");
  }

  // ---- Telegram ----

  @Test
  void telegramUpdateSentTwiceLandsOnceByUpdateId() {
    Tenant t = h.tenant("pw-tg");
    String secret = "tg_secret-" + ADDRESSES.incrementAndGet();
    String channel = TestBackends.uniqueId("tg");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "telegram")
            .put(
                "credentials",
                new JsonObject()
                    .put("botToken", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")
                    .put("secretToken", secret)));
    byte[] body = WebhookSigning.payload("telegram/message.json");
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Content-Type", "application/json")
            .add("X-Telegram-Bot-Api-Secret-Token", secret);

    HttpResponse<Buffer> first = h.post("/webhooks/telegram/" + channel, headers, body);
    HttpResponse<Buffer> again = h.post("/webhooks/telegram/" + channel, headers, body);

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("telegram");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("type")).isEqualTo("text");
    assertThat(e.getString("text")).isEqualTo("/start");
    assertThat(e.getString("from")).isEqualTo("1111111");
    assertThat(e.getString("providerMessageId")).isEqualTo("1365");
    assertThat(e.getLong("timestamp")).isEqualTo(1441645532L);
    assertThat(e.getJsonObject("raw").getLong("update_id")).isEqualTo(864213579L);
  }

  // ---- Twilio ----

  @Test
  void twilioInboundSmsFormLandsAsAMessageAndIsAnsweredWithEmptyTwiml() {
    Tenant t = h.tenant("pw-tw");
    String token = "twilio-auth-token-in";
    String channel = twilioChannel(t, token);
    byte[] body = WebhookSigning.payload("twilio/sms-inbound.form");

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/twilio/" + channel,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/x-www-form-urlencoded")
                .add(
                    "X-Twilio-Signature",
                    WebhookSigning.twilioForm(token, publicUrl(channel), body)),
            body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/xml");
    assertThat(r.bodyAsString()).contains("<Response></Response>");
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("twilio");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("providerMessageId")).isEqualTo("SM1f0e8ae6ade43cb3c0ce4525424e404f");
    assertThat(e.getString("from")).isEqualTo("+14155551234");
    assertThat(e.getString("to")).isEqualTo("+15557654321");
    assertThat(e.getString("type")).isEqualTo("text");
    assertThat(e.getString("text")).isEqualTo("Hello from +1 land!");
    assertThat(e.getJsonObject("raw").getString("FromCity")).isEqualTo("SAN FRANCISCO");
  }

  @Test
  void twilioInboundSmsWithTheLongestBodyTwilioSendsLandsWhole() {
    Tenant t = h.tenant("pw-twl");
    String token = "twilio-auth-token-long";
    String channel = twilioChannel(t, token);
    // Twilio concatenates up to 1600 characters into one Body; non-ASCII triples when escaped.
    String text = "Grüße aus Zürich! ".repeat(89).substring(0, 1600);
    byte[] body =
        ("MessageSid=SMlong0000000000000000000000000001&From=%2B14155551234&To=%2B15557654321"
                + "&NumMedia=0&Body="
                + java.net.URLEncoder.encode(text, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/twilio/" + channel,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/x-www-form-urlencoded")
                .add(
                    "X-Twilio-Signature",
                    WebhookSigning.twilioForm(token, publicUrl(channel), body)),
            body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(only(h.drain(t.apiKey(), "inbound")).getString("text")).isEqualTo(text);
  }

  @Test
  void twilioStatusCallbackWithAQueryStringLandsAsAStatus() {
    Tenant t = h.tenant("pw-tws");
    String token = "twilio-auth-token-status";
    String channel = twilioChannel(t, token);
    byte[] body = WebhookSigning.payload("twilio/status-undelivered.form");
    String query = "cb=status&attempt=1&sluiceMessageId=0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70";

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/twilio/" + channel + "?" + query,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .add(
                    "X-Twilio-Signature",
                    WebhookSigning.twilioForm(token, publicUrl(channel) + "?" + query, body)),
            body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("kind")).isEqualTo("status");
    assertThat(e.getString("status")).isEqualTo("failed");
    assertThat(e.getString("errorCode")).isEqualTo("30003");
    assertThat(e.getString("providerMessageId")).isEqualTo("SM0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e");
    assertThat(e.getString("to")).isEqualTo("+16505551234");
    // The status callback URL the connector gave names our message; the signature covers it.
    assertThat(e.getString("messageId")).isEqualTo("0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70");
  }

  @Test
  void twilioJsonBodySignedWithBodySha256LandsAsAStatus() {
    Tenant t = h.tenant("pw-twj");
    String token = "twilio-auth-token-json";
    String channel = twilioChannel(t, token);
    byte[] body = WebhookSigning.payload("twilio/status-sent.json");
    String query = "bodySHA256=" + WebhookSigning.sha256Hex(body);

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/twilio/" + channel + "?" + query,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add(
                    "X-Twilio-Signature",
                    WebhookSigning.twilioUrl(token, publicUrl(channel) + "?" + query)),
            body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("provider")).isEqualTo("twilio");
    assertThat(e.getString("kind")).isEqualTo("status");
    assertThat(e.getString("status")).isEqualTo("sent");
    assertThat(e.getString("providerMessageId")).isEqualTo("SM9a6a4b5b4c3d2e1f0a9b8c7d6e5f4a3b");
    assertThat(e.getString("to")).isEqualTo("+14155551234");
  }

  // ---- Infobip ----

  @Test
  void infobipInboundSmsLandsAsAMessage() {
    Tenant t = h.tenant("pw-ib");
    String channel = infobipChannel(t, "ib-secret-mo", null);
    byte[] body = WebhookSigning.payload("infobip/mo.json");

    HttpResponse<Buffer> r =
        h.post("/webhooks/infobip/" + channel, infobip("Bearer ib-secret-mo"), body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("infobip");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("providerMessageId")).isEqualTo("817790313235066447");
    assertThat(e.getString("from")).isEqualTo("+385916242493");
    assertThat(e.getString("to")).isEqualTo("+385921004026");
    assertThat(e.getString("text")).isEqualTo("QUIZ Correct answer is Paris");
    assertThat(e.getLong("timestamp")).isEqualTo(1475746119L);
  }

  @Test
  void infobipDeliveryReportLandsAsAStatus() {
    Tenant t = h.tenant("pw-ibd");
    String channel = infobipChannel(t, "ib-secret-dlr", null);
    byte[] body = WebhookSigning.payload("infobip/dlr-v3.json");
    String basic =
        Base64.getEncoder()
            .encodeToString("infobip:ib-secret-dlr".getBytes(StandardCharsets.UTF_8));

    HttpResponse<Buffer> r =
        h.post("/webhooks/infobip/" + channel, infobip("Basic " + basic), body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("kind")).isEqualTo("status");
    assertThat(e.getString("status")).isEqualTo("delivered");
    assertThat(e.getString("providerMessageId")).isEqualTo("MESSAGE-ID-123-xyz");
    assertThat(e.getString("to")).isEqualTo("+41793026727");
    assertThat(e.getString("from")).isEqualTo("InfoSMS");
    assertThat(e.getString("messageId")).isEqualTo("0b1e3a0c-5f7e-4c2a-9d3b-6a1f2e4d8c70");
    assertThat(e.getString("errorCode")).isNull();
    assertThat(e.getLong("timestamp")).isEqualTo(1573315200L);
  }

  @Test
  void infobipCallFromAnAddressOutsideTheAllowListIsForbiddenEvenWithTheRightSecret() {
    Tenant t = h.tenant("pw-ibip");
    String channel =
        infobipChannel(
            t, "ib-secret-ip", new JsonArray().add("203.0.113.0/24").add("2001:db8::/32"));

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/infobip/" + channel,
            infobip("Bearer ib-secret-ip"),
            WebhookSigning.payload("infobip/mo.json"));

    assertError(r, 403, "ip_not_allowed");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  // ---- Standard Webhooks ----

  @Test
  void standardWebhookWithTwoSignaturesOneOfThemValidIsAccepted() {
    Tenant t = h.tenant("pw-std");
    String secret = "whsec_" + Base64.getEncoder().encodeToString(bytes("standard-secret-ok"));
    String channel = standardChannel(t, secret);
    byte[] body = WebhookSigning.payload("standard/message-received.json");
    long now = h.clock.millis() / 1000;
    String id = "msg_" + TestBackends.uniqueId("s");
    String rotatedOut =
        WebhookSigning.standard(
            "whsec_" + Base64.getEncoder().encodeToString(bytes("the-old-secret")), id, now, body);
    String valid = WebhookSigning.standard(secret, id, now, body);

    HttpResponse<Buffer> r =
        h.post("/webhooks/standard/" + channel, standard(id, now, rotatedOut + " " + valid), body);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject e = only(h.drain(t.apiKey(), "inbound"));
    assertThat(e.getString("channel")).isEqualTo(channel);
    assertThat(e.getString("provider")).isEqualTo("standard");
    assertThat(e.getString("kind")).isEqualTo("message");
    assertThat(e.getString("type")).isEqualTo("message.received");
    assertThat(e.getString("from")).isEqualTo("+14155551234");
    assertThat(e.getString("to")).isEqualTo("+15557654321");
    assertThat(e.getString("text")).isEqualTo("Hi there");
    assertThat(e.getString("providerMessageId")).isEqualTo("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    assertThat(e.getLong("timestamp")).isEqualTo(1667507170L);
  }

  @Test
  void standardWebhookWithAStaleTimestampIsRefused() {
    Tenant t = h.tenant("pw-stale");
    String secret = "whsec_" + Base64.getEncoder().encodeToString(bytes("standard-secret-stale"));
    String channel = standardChannel(t, secret);
    byte[] body = WebhookSigning.payload("standard/status-updated.json");
    long stale = h.clock.millis() / 1000 - 301;
    String id = "msg_" + TestBackends.uniqueId("s");

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/standard/" + channel,
            standard(id, stale, WebhookSigning.standard(secret, id, stale, body)),
            body);

    assertError(r, 401, "invalid_signature");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  // ---- NUL characters in ids (PostgreSQL text cannot hold them) ----

  @Test
  void whatsAppStatusWithANulInItsIdOrErrorCodeIsRefusedAndNothingIsQueued() {
    Tenant t = h.tenant("pw-nul-wa");
    String phoneId = "1066" + ADDRESSES.incrementAndGet();
    metaChannel(t, "whatsapp", phoneId);
    String status =
        """
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
         "messaging_product":"whatsapp",
         "metadata":{"display_phone_number":"15550783881","phone_number_id":"%s"},
         "statuses":[
          {"id":"wamid.OK","status":"delivered","timestamp":"1750857386","recipient_id":"16505551234"},
          {"id":"%s","status":"failed","timestamp":"1750857400","recipient_id":"16505559876",
           "errors":[{"code":"%s","title":"x"}]}]},
         "field":"messages"}]}]}""";

    assertError(
        h.postMeta(app, META_SECRET, status.formatted(phoneId, "wamid.\\u0000NUL", "131047")),
        400,
        "invalid_payload");
    assertError(
        h.postMeta(app, META_SECRET, status.formatted(phoneId, "wamid.NUL", "13\\u00001047")),
        400,
        "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void metaMessagesWithANulInTheirIdOrSenderAreRefused() {
    Tenant t = h.tenant("pw-nul-meta");
    String phoneId = "1067" + ADDRESSES.incrementAndGet();
    metaChannel(t, "whatsapp", phoneId);
    String pageId = "1046" + ADDRESSES.incrementAndGet();
    metaChannel(t, "messenger", pageId);

    assertError(
        h.postMeta(
            app,
            META_SECRET,
            IngressHarness.whatsappText(phoneId, "4915\u0000112", "wamid.M", "hi")),
        400,
        "invalid_payload");
    assertError(
        h.postMeta(
            app,
            META_SECRET,
            IngressHarness.whatsappText(phoneId, "4915112", "wamid.\u0000", "hi")),
        400,
        "invalid_payload");
    String receipt =
        """
        {"object":"page","entry":[{"id":"%1$s","time":1458692752478,"messaging":[
         {"sender":{"id":"6945738362236453"},"recipient":{"id":"%1$s"},"timestamp":1458692752478,
          "delivery":{"mids":["mid.\\u0000x"],"watermark":1458668856253}}]}]}"""
            .formatted(pageId);
    assertError(h.postMeta(app, META_SECRET, receipt), 400, "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void telegramUpdateWithANulInAChatIdIsRefused() {
    Tenant t = h.tenant("pw-nul-tg");
    String secret = "tg_secret-" + ADDRESSES.incrementAndGet();
    String channel = TestBackends.uniqueId("tg");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", channel)
            .put("provider", "telegram")
            .put(
                "credentials",
                new JsonObject()
                    .put("botToken", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")
                    .put("secretToken", secret)));
    byte[] body =
        bytes(
            """
            {"update_id":864213580,"message":{"message_id":1366,"from":{"id":"11\\u000011"},
             "chat":{"id":"11\\u000011","type":"private"},"date":1441645532,"text":"hi"}}""");

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/telegram/" + channel,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add("X-Telegram-Bot-Api-Secret-Token", secret),
            body);

    assertError(r, 400, "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void twilioStatusCallbackWithANulInItsMessageSidIsRefused() {
    Tenant t = h.tenant("pw-nul-tw");
    String token = "twilio-auth-token-nul";
    String channel = twilioChannel(t, token);
    byte[] body =
        bytes(
            "ErrorCode=30003&MessageStatus=undelivered&To=%2B16505551234"
                + "&MessageSid=SM0b1c%00d5e&AccountSid=AC0123456789abcdef0123456789abcdef");

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/twilio/" + channel,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/x-www-form-urlencoded")
                .add(
                    "X-Twilio-Signature",
                    WebhookSigning.twilioForm(token, publicUrl(channel), body)),
            body);

    assertError(r, 400, "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void infobipDeliveryReportWithANulInItsMessageIdIsRefused() {
    Tenant t = h.tenant("pw-nul-ib");
    String channel = infobipChannel(t, "ib-secret-nul", null);
    byte[] body =
        bytes(
            """
            {"results":[{"messageId":"MESSAGE-\\u0000-ID","to":"41793026727","sender":"InfoSMS",
              "doneAt":"2019-11-09T16:00:00.000+0000",
              "status":{"groupId":3,"groupName":"DELIVERED","id":5,"name":"DELIVERED_TO_HANDSET"}}]}""");

    assertError(
        h.post("/webhooks/infobip/" + channel, infobip("Bearer ib-secret-nul"), body),
        400,
        "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void standardWebhookStatusWithANulInItsMessageIdIsRefused() {
    Tenant t = h.tenant("pw-nul-std");
    String secret = "whsec_" + Base64.getEncoder().encodeToString(bytes("standard-secret-nul"));
    String channel = standardChannel(t, secret);
    byte[] body =
        bytes(
            """
            {"type":"message.status.updated","timestamp":1667507170,
             "data":{"messageId":"msg_\\u0000x","to":"+14155551234","status":"delivered"}}""");
    long now = h.clock.millis() / 1000;
    String id = "msg_" + TestBackends.uniqueId("s");

    HttpResponse<Buffer> r =
        h.post(
            "/webhooks/standard/" + channel,
            standard(id, now, WebhookSigning.standard(secret, id, now, body)),
            body);

    assertError(r, 400, "invalid_payload");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  @Test
  void aNulInAMessagesTextIsNotAnIdAndIsAccepted() {
    Tenant t = h.tenant("pw-nul-text");
    String phoneId = "1068" + ADDRESSES.incrementAndGet();
    metaChannel(t, "whatsapp", phoneId);

    HttpResponse<Buffer> r =
        h.postMeta(
            app,
            META_SECRET,
            IngressHarness.whatsappText(phoneId, "4915112", "wamid.T", "a\u0000b"));

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(only(h.drain(t.apiKey(), "inbound")).getString("text")).isEqualTo("a\u0000b");
  }

  // ---- refusals shared by every endpoint ----

  @Test
  void unknownChannelOrAppIsA404JsonError() {
    MultiMap json = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    for (String provider : new String[] {"telegram", "twilio", "infobip", "standard"}) {
      assertError(
          h.post("/webhooks/" + provider + "/no-such-channel", json, body), 404, "unknown_channel");
    }
    assertError(h.postMeta("no-such-app", META_SECRET, "{}"), 404, "unknown_app");
  }

  @Test
  void aChannelIdOfAnotherProviderInThePathIsA404() {
    Tenant t = h.tenant("pw-wrong");
    String telegram = TestBackends.uniqueId("tg");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", telegram)
            .put("provider", "telegram")
            .put("credentials", new JsonObject().put("botToken", "1:x").put("secretToken", "s")));
    String twilio = twilioChannel(t, "token-wrong-provider");
    MultiMap json = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

    for (String provider : new String[] {"twilio", "infobip", "standard"}) {
      assertError(
          h.post("/webhooks/" + provider + "/" + telegram, json, body), 404, "unknown_channel");
    }
    assertError(h.post("/webhooks/telegram/" + twilio, json, body), 404, "unknown_channel");
    // A channel id is not a Meta app id either.
    assertError(h.postMeta(telegram, META_SECRET, "{}"), 404, "unknown_app");
  }

  @Test
  void bodyOverTheLimitIsA413JsonError() {
    Tenant t = h.tenant("pw-big");
    String twilio = twilioChannel(t, "token-big");
    String big =
        IngressHarness.whatsappText("1", "16505551234", "wamid.BIG", "x".repeat(MAX_BODY_BYTES));

    assertError(h.postMeta(app, META_SECRET, big), 413, "body_too_large");
    assertError(
        h.post(
            "/webhooks/twilio/" + twilio,
            MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/x-www-form-urlencoded"),
            ("Body=" + "y".repeat(MAX_BODY_BYTES)).getBytes(StandardCharsets.UTF_8)),
        413,
        "body_too_large");
    assertThat(h.drain(t.apiKey(), "inbound")).isEmpty();
  }

  // ---- helpers ----

  private static String metaChannel(Tenant t, String provider, String address) {
    String id = TestBackends.uniqueId(provider.substring(0, 2));
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", provider)
            .put("address", address)
            .put("metaApp", app)
            .put("credentials", new JsonObject().put("accessToken", "EAAG-test-token")));
    return id;
  }

  private static String publicUrl(String channel) {
    return "https://hooks.sluice.example/webhooks/twilio/" + channel;
  }

  private static String twilioChannel(Tenant t, String token) {
    String id = TestBackends.uniqueId("tw");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "twilio")
            .put("address", "+1555" + ADDRESSES.incrementAndGet())
            .put("publicUrl", publicUrl(id))
            .put(
                "credentials",
                new JsonObject()
                    .put("accountSid", "AC0123456789abcdef0123456789abcdef")
                    .put("authToken", token)));
    return id;
  }

  private static String infobipChannel(Tenant t, String secret, JsonArray allowedIps) {
    String id = TestBackends.uniqueId("ib");
    JsonObject c =
        new JsonObject()
            .put("id", id)
            .put("provider", "infobip")
            .put("address", "InfoSMS-" + ADDRESSES.incrementAndGet())
            .put(
                "credentials",
                new JsonObject()
                    .put("apiKey", "ib-api-key")
                    .put("baseUrl", "https://api.infobip.example")
                    .put("webhookSecret", secret));
    if (allowedIps != null) {
      c.put("allowedIps", allowedIps);
    }
    h.channel(t.id(), c);
    return id;
  }

  private static String standardChannel(Tenant t, String secret) {
    String id = TestBackends.uniqueId("std");
    h.channel(
        t.id(),
        new JsonObject()
            .put("id", id)
            .put("provider", "standard")
            .put("credentials", new JsonObject().put("secret", secret)));
    return id;
  }

  private static MultiMap infobip(String authorization) {
    return MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/json")
        .add("Authorization", authorization);
  }

  private static MultiMap standard(String id, long timestamp, String signature) {
    return MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/json")
        .add("webhook-id", id)
        .add("webhook-timestamp", Long.toString(timestamp))
        .add("webhook-signature", signature);
  }

  private static HttpResponse<Buffer> handshake(String appId, String query) {
    return h.client.get("/webhooks/meta/" + appId + query).send().await();
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
  }

  private static JsonObject only(JsonArray events) {
    assertThat(events).as(events.encode()).hasSize(1);
    return events.getJsonObject(0);
  }

  private static JsonObject byMessageId(JsonArray events, String id) {
    return events.stream()
        .map(JsonObject.class::cast)
        .filter(e -> id.equals(e.getString("providerMessageId")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no event " + id + " in " + events.encode()));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
