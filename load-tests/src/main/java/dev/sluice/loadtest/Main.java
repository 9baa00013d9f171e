package dev.sluice.loadtest;

import dev.sluice.loadtest.baseline.BareEgressServer;
import dev.sluice.loadtest.baseline.BareIngressServer;
import dev.sluice.loadtest.baseline.MinimalLimitServer;
import dev.sluice.loadtest.egress.EgressLoad;
import dev.sluice.loadtest.egress.EgressTable;
import dev.sluice.loadtest.egress.StatusDrain;
import dev.sluice.loadtest.ingress.BenchSetup;
import dev.sluice.loadtest.ingress.IngressLoad;
import dev.sluice.loadtest.ingress.QueueDrain;
import dev.sluice.loadtest.ingress.ResultTable;
import dev.sluice.loadtest.ingress.WrkRequests;
import dev.sluice.loadtest.simulator.ProviderSimulator;
import dev.sluice.loadtest.smsc.SmscSimulator;
import java.util.Arrays;

/** {@code java -jar sluice-load-tests.jar <tool> [options]}: one jar for every tool of the kit. */
public final class Main {
  private Main() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      usage();
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
    try {
      switch (argv[0]) {
        case "simulator" -> ProviderSimulator.main(rest);
        case "smsc" -> SmscSimulator.main(rest);
        case "baseline" -> BareIngressServer.main(rest);
        case "bare-egress" -> BareEgressServer.main(rest);
        case "setup" -> BenchSetup.main(rest);
        case "ingress" -> IngressLoad.main(rest);
        case "drain" -> QueueDrain.main(rest);
        case "egress" -> EgressLoad.main(rest);
        case "status-drain" -> StatusDrain.main(rest);
        case "egress-table" -> EgressTable.main(rest);
        case "table" -> ResultTable.main(rest);
        case "limit-server" -> MinimalLimitServer.main(rest);
        case "wrk-requests" -> WrkRequests.main(rest);
        case "jfr-top" -> JfrTop.main(rest);
        default -> {
          usage();
          System.exit(2);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println(argv[0] + ": " + e.getMessage());
      System.exit(2);
    }
  }

  private static void usage() {
    System.err.println(
        "usage: java -jar sluice-load-tests.jar"
            + " simulator|smsc|baseline|bare-egress|limit-server|wrk-requests|setup|ingress|drain|table"
            + "|egress|status-drain|egress-table|jfr-top"
            + " [--option value ...]\n"
            + "  see load-tests/README.md");
  }
}
