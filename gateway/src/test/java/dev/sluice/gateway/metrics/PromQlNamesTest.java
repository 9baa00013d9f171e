package dev.sluice.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlNamesTest {

  @Test
  void aggregationsFunctionsAndRangesAreNoMetrics() {
    PromQlNames n =
        PromQlNames.of(
            "sum by (tenant, lane) (rate(foo_total{a=\"x,y}\", b=~\"$t\"}[$__rate_interval]"
                + " offset 5m)) > 0 and on(instance) group_left(version) bar_info");

    assertThat(n.metrics()).containsExactlyInAnyOrder("foo_total", "bar_info");
    assertThat(n.labels())
        .containsExactlyInAnyOrder("tenant", "lane", "a", "b", "instance", "version");
  }

  @Test
  void byAfterTheAggregatedExpressionAndSubqueries() {
    PromQlNames n =
        PromQlNames.of("histogram_quantile(0.99, sum(rate(x_seconds_bucket[5m:1m])) by (le))");

    assertThat(n.metrics()).containsExactly("x_seconds_bucket");
    assertThat(n.labels()).containsExactly("le");
  }

  @Test
  void keywordsNumbersAndInfinitiesAreSkipped() {
    PromQlNames n =
        PromQlNames.of(
            "max without (pod) (up == bool 0) * 1e3 + -Inf - 0x1F / 2.5e-3 unless NaN or"
                + " other:recorded:rule offset -1h30m");

    assertThat(n.metrics()).containsExactlyInAnyOrder("up", "other:recorded:rule");
    assertThat(n.labels()).containsExactly("pod");
  }

  @Test
  void stringsAndCommentsNameNothing() {
    PromQlNames n =
        PromQlNames.of(
            "label_replace(m{x='it\\'s'}, \"dst\", \"rate(not_a_metric)\", \"src\", `(.*)`)\n"
                + "# ignored_metric{ignored_label=\"1\"}\n"
                + "+ n{y=\"}\\\"{z=\\\"\"}");

    assertThat(n.metrics()).containsExactlyInAnyOrder("m", "n");
    assertThat(n.labels()).containsExactlyInAnyOrder("x", "y");
  }

  @Test
  void grafanaVariablesAreSkipped() {
    PromQlNames n =
        PromQlNames.of(
            "increase(a_total{tenant=~\"${tenant:regex}\"}[$__range]) offset $shift / ${b}");

    assertThat(n.metrics()).containsExactly("a_total");
    assertThat(n.labels()).containsExactly("tenant");
  }
}
