package dev.sluice.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which endpoint URLs and addresses the gateway may call (SSRF guard). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EndpointPolicyTest {
  private final EndpointPolicy strict = new EndpointPolicy(false, false);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255", // just below CGNAT
        "100.128.0.0", // just above CGNAT
        "172.15.255.255",
        "172.32.0.0",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808", // NAT64 of 8.8.8.8
        "2002:808:808::1", // 6to4 of 8.8.8.8
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7" // Teredo: server 65.54.227.120, client 8.8.8.8
      })
  void publicAddressesAreAllowed(String address) throws Exception {
    assertThat(EndpointPolicy.isPublic(InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1", // loopback
        "127.8.9.10",
        "0.0.0.0", // any / "this" network
        "10.1.2.3", // private
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254", // link-local: cloud metadata
        "100.64.0.1", // CGNAT
        "100.127.255.254",
        "192.0.0.1", // IETF protocol assignments
        "192.0.2.1", // documentation
        "198.51.100.7",
        "203.0.113.9",
        "198.18.0.1", // benchmarking
        "224.0.0.1", // multicast
        "240.0.0.1", // reserved
        "255.255.255.255",
        "::1", // IPv6 loopback
        "::", // unspecified
        "fe80::1", // link-local
        "fc00::1", // unique local
        "fd12:3456:789a::1",
        "fec0::1", // site local
        "ff02::1", // multicast
        "2001:db8::1", // documentation
        "::ffff:127.0.0.1", // IPv4-mapped loopback
        "::ffff:10.0.0.1", // IPv4-mapped private
        "::ffff:169.254.169.254",
        "::127.0.0.1", // IPv4-compatible
        "64:ff9b::a00:1", // NAT64 of 10.0.0.1
        "2002:a00:1::1", // 6to4 of 10.0.0.1
        "2002:7f00:1::", // 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo, client 10.0.0.1 (bits inverted)
        "2001:0:a00:1:8000:63bf:f7f7:f7f7" // Teredo through a server at 10.0.0.1
      })
  void internalAddressesAreRefused(String address) throws Exception {
    assertThat(EndpointPolicy.isPublic(InetAddress.getByName(address))).isFalse();
  }

  @Test
  void httpsUrlWithPathAndQueryPassesTheFormCheck() throws Exception {
    assertThat(strict.checkForm("https://hooks.example.com/sluice?x=1").toString())
        .isEqualTo("https://hooks.example.com/sluice?x=1");
  }

  @Test
  void plainHttpIsRefusedUnlessAllowed() throws Exception {
    assertThatThrownBy(() -> strict.checkForm("http://hooks.example.com/"))
        .isInstanceOf(EndpointPolicy.Refused.class)
        .extracting(e -> ((EndpointPolicy.Refused) e).code())
        .isEqualTo("endpoint_not_allowed");
    assertThat(new EndpointPolicy(true, false).checkForm("http://hooks.example.com/").getScheme())
        .isEqualTo("http");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://user:pass@hooks.example.com/", // user info
        "https://hooks.example.com/#frag", // fragment
        "/relative/path",
        "hooks.example.com/path", // no scheme
        "https:///no-host",
        "https://exa mple.com/", // not a URI
        ""
      })
  void malformedUrlsAreInvalid(String url) {
    assertThatThrownBy(() -> strict.checkForm(url))
        .isInstanceOf(EndpointPolicy.Refused.class)
        .extracting(e -> ((EndpointPolicy.Refused) e).code())
        .isEqualTo("invalid_url");
  }

  @Test
  void otherSchemesAreNotAllowed() {
    for (String url : new String[] {"ftp://hooks.example.com/", "file://host/etc/passwd"}) {
      assertThatThrownBy(() -> strict.checkForm(url))
          .isInstanceOf(EndpointPolicy.Refused.class)
          .extracting(e -> ((EndpointPolicy.Refused) e).code())
          .isEqualTo("endpoint_not_allowed");
    }
  }

  @Test
  void aHostResolvingToLoopbackIsRefusedUnlessPrivateAddressesAreAllowed() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      assertThatThrownBy(() -> strict.resolve(vertx, "https://127.0.0.1:8443/hook").await())
          .isInstanceOf(EndpointPolicy.Refused.class)
          .extracting(e -> ((EndpointPolicy.Refused) e).code())
          .isEqualTo("endpoint_not_allowed");
      assertThatThrownBy(() -> strict.resolve(vertx, "https://[::1]/hook").await())
          .isInstanceOf(EndpointPolicy.Refused.class)
          .extracting(e -> ((EndpointPolicy.Refused) e).code())
          .isEqualTo("endpoint_not_allowed");
      EndpointPolicy.Resolved ok =
          new EndpointPolicy(false, true).resolve(vertx, "https://127.0.0.1:8443/hook").await();
      assertThat(ok.address().isLoopbackAddress()).isTrue();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void anUnresolvableHostIsReportedAsSuch() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      assertThatThrownBy(() -> strict.resolve(vertx, "https://no-such-host.invalid/hook").await())
          .isInstanceOf(EndpointPolicy.Refused.class)
          .extracting(e -> ((EndpointPolicy.Refused) e).code())
          .isEqualTo("endpoint_unresolvable");
    } finally {
      vertx.close().await();
    }
  }
}
