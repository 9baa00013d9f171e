package dev.sluice.gateway;

/** Placeholder. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {}
}
