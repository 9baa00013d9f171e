/**
 * PostgreSQL: startup preparation (create the database, Flyway migrations) over JDBC on the main
 * thread, and the one shared reactive pool used by everything at run time.
 */
package dev.sluice.gateway.db;
