package dev.sluice.gateway.db;

import java.util.UUID;

/**
 * The deployment a PostgreSQL database belongs to: every gateway instance on that database is part
 * of it, and its Redis namespace carries this id.
 *
 * @param id made once by the migrations, kept in the {@code deployment} table
 * @param database where the database is, {@code host:port/name}, for messages
 */
public record Deployment(UUID id, String database) {}
