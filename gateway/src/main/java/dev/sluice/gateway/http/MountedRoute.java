package dev.sluice.gateway.http;

import java.util.Set;

/**
 * One endpoint of the router: a path as Vert.x Web writes it ({@code /v1/messages/:id}; a regular
 * expression route by its name) and the methods it answers. Handlers mounted for every method
 * (authentication, the body handler) are no endpoints and are not listed.
 */
public record MountedRoute(String path, Set<String> methods) {
  public MountedRoute {
    methods = Set.copyOf(methods);
  }
}
