package dev.sluice.gateway.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpAllowListTest {

  @Test
  void emptyListAllowsEveryAddress() {
    IpAllowList list = IpAllowList.parse(List.of());
    assertThat(list.allowsAll()).isTrue();
    assertThat(list.allows("203.0.113.9")).isTrue();
    assertThat(list.allows("not an address")).isTrue();
    assertThat(list.allows(null)).isTrue();
  }

  @Test
  void ipv4BlocksMatchTheirAddressesOnly() {
    IpAllowList list = IpAllowList.parse(List.of("10.0.0.0/8", "192.168.1.0/25", "203.0.113.7"));

    assertThat(list.allows("10.0.0.0")).isTrue();
    assertThat(list.allows("10.255.255.255")).isTrue();
    assertThat(list.allows("11.0.0.0")).isFalse();
    assertThat(list.allows("192.168.1.127")).isTrue();
    assertThat(list.allows("192.168.1.128")).isFalse();
    assertThat(list.allows("203.0.113.7")).isTrue();
    assertThat(list.allows("203.0.113.8")).isFalse();
  }

  @Test
  void ipv6BlocksMatchTheirAddressesOnly() {
    IpAllowList list =
        IpAllowList.parse(List.of("2001:db8::/32", "fe80::1", "2001:db9:0:ff00::/57"));

    assertThat(list.allows("2001:db8::1")).isTrue();
    assertThat(list.allows("2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
    assertThat(list.allows("[2001:db8:1::]")).isTrue();
    assertThat(list.allows("2001:db9::1")).isFalse();
    assertThat(list.allows("fe80::1")).isTrue();
    assertThat(list.allows("fe80::1%eth0")).isTrue();
    assertThat(list.allows("fe80:0:0:0:0:0:0:1")).isTrue();
    assertThat(list.allows("fe80::2")).isFalse();
    assertThat(list.allows("2001:db9:0:ff7f::1")).isTrue();
    assertThat(list.allows("2001:db9:0:ff80::1")).isFalse();
  }

  @Test
  void familiesDoNotCrossExceptForIpv4MappedAddresses() {
    IpAllowList v4 = IpAllowList.parse(List.of("10.0.0.0/8"));
    IpAllowList v6 = IpAllowList.parse(List.of("::/0"));

    assertThat(v4.allows("::ffff:10.1.2.3")).isTrue();
    assertThat(v4.allows("0:0:0:0:0:ffff:a01:203")).isTrue();
    assertThat(v4.allows("::10.1.2.3")).isFalse();
    assertThat(v4.allows("::ffff:11.1.2.3")).isFalse();
    assertThat(v6.allows("10.1.2.3")).isFalse();
    assertThat(v6.allows("::1")).isTrue();
  }

  @Test
  void zeroPrefixAllowsTheWholeFamily() {
    IpAllowList list = IpAllowList.parse(List.of("0.0.0.0/0"));
    assertThat(list.allows("255.255.255.255")).isTrue();
    assertThat(list.allows("::1")).isFalse();
  }

  @Test
  void garbageRemoteAddressesAreRefused() {
    IpAllowList list = IpAllowList.parse(List.of("0.0.0.0/0", "::/0"));
    for (String remote :
        Arrays.asList(null, "", "localhost", "10.0.0", "10.0.0.256", "1.2.3.4:80", "::g", "[::1")) {
      assertThat(list.allows(remote)).as(String.valueOf(remote)).isFalse();
    }
  }

  @Test
  void badEntriesAreRejectedByName() {
    for (String entry :
        List.of(
            "example.com",
            "localhost",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/",
            "10.0.0.0/08",
            "10.0.0.1/8",
            "010.0.0.0/8",
            "10.0.0",
            "10.0.0.0.0",
            "256.0.0.0",
            "2001:db8::/129",
            "2001:db8::1/32",
            "2001:db8:::1",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::",
            "[2001:db8::1]",
            "fe80::1%eth0",
            "1.2.3.4::",
            "::1.2.3",
            "")) {
      assertThatThrownBy(() -> IpAllowList.parse(List.of("10.0.0.0/8", entry)))
          .as(entry)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + entry + "'");
    }
  }

  @Test
  void nullEntryIsRejectedByPosition() {
    assertThatThrownBy(() -> IpAllowList.parse(Arrays.asList("10.0.0.0/8", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("#1");
  }

  @Test
  void validIpv6FormsAreAccepted() {
    IpAllowList list =
        IpAllowList.parse(
            List.of(
                "::",
                "::1",
                "1::",
                "1:2:3:4:5:6:7:8",
                "1:2:3:4:5:6::8",
                "::ffff:192.0.2.1",
                "64:ff9b::192.0.2.33/128",
                " 2001:DB8::/32 "));
    assertThat(list.entries()).hasSize(8).contains("2001:DB8::/32");
    assertThat(list.allows("64:ff9b::c000:221")).isTrue();
    assertThat(list.allows("2001:db8::ab")).isTrue();
  }
}
