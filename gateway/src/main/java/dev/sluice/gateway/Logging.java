package dev.sluice.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.sluice.gateway.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code log.format} and {@code log.level} once the configuration is known. */
final class Logging {
  private Logging() {}

  static void configure(GatewayConfig.Log log) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    String resource = log.format().equals("json") ? "/logback-json.xml" : "/logback.xml";
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Logging.class.getResource(resource));
    } catch (JoranException e) {
      throw new IllegalStateException("bad logging configuration " + resource, e);
    }
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(log.level(), Level.INFO));
  }
}
