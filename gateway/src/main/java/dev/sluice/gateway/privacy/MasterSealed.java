package dev.sluice.gateway.privacy;

/**
 * Every column of PostgreSQL sealed with the master key ({@link CredentialCipher}), with the
 * context each value is bound to. The one list: whoever seals a value under the master key takes
 * its context from here, and {@link MasterKeyRotation} re-seals exactly these columns. Values
 * sealed with a tenant's data key ({@link DataKey}) are not here: rotation does not touch them.
 */
public enum MasterSealed {
  /** Tenants' data keys. */
  TENANT_KEYS("tenant_keys", "tenant_id", "wrapped", "tenant-key:"),
  /** Keys of the deployment, such as the phone-index key ({@link PhoneIndexKey}). */
  DEPLOYMENT_KEYS("deployment_keys", "name", "wrapped", "deployment-key:"),
  /** Meta apps' secrets (app secret, verify token). */
  META_APPS("meta_apps", "id", "secrets", "meta-app:"),
  /** Channels' provider credentials, bound to the bare channel id. */
  CHANNELS("channels", "id", "credentials", ""),
  /** Push endpoints' signing secrets, by tenant. */
  ENDPOINTS("endpoints", "tenant_id", "secrets", "endpoint:");

  private final String table;
  private final String idColumn;
  private final String column;
  private final String contextPrefix;

  MasterSealed(String table, String idColumn, String column, String contextPrefix) {
    this.table = table;
    this.idColumn = idColumn;
    this.column = column;
    this.contextPrefix = contextPrefix;
  }

  /** The context the value of row {@code id} is sealed for. */
  public String context(String id) {
    return contextPrefix + id;
  }

  public String table() {
    return table;
  }

  /** The primary key column (text). */
  public String idColumn() {
    return idColumn;
  }

  /** The sealed column (bytea). */
  public String column() {
    return column;
  }
}
