package dev.sluice.gateway.ingress;

import dev.sluice.gateway.core.InboundEvent;
import dev.sluice.gateway.tenant.Channel;

/** An event and the channel (hence tenant) it belongs to. */
record RoutedEvent(Channel channel, InboundEvent event) {}
