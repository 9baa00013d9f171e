/**
 * SMPP 3.4 protocol layer: the client (ESME) side of an SMPP account over Vert.x {@code NetClient}.
 * It knows nothing of tenants, channels, Redis, PostgreSQL or the ledger; {@link
 * dev.sluice.gateway.connector.smpp.protocol.SmppClient} is its entry point, with {@link
 * dev.sluice.gateway.connector.smpp.protocol.SmppListener} for what comes back.
 *
 * <h2>Wire</h2>
 *
 * <p>PDUs are framed by command_length; a length below 16 or above {@code PduCodec.MAX_PDU_LENGTH}
 * (65 KiB + 1 KiB, room for a full message_payload) is answered with generic_nack ESME_RINVCMDLEN
 * and the connection is replaced. C-octet strings are ASCII with the maximum lengths of SMPP 3.4 §4
 * (counting the NUL); the client never writes a longer one, and reading one fails the PDU
 * (generic_nack with ESME_RINVMSGLEN). Optional parameters are kept as they came, unknown tags
 * included. A request the client does not serve (query_sm, submit_sm from the SMSC, ...) is
 * answered with generic_nack ESME_RINVCMDID.
 *
 * <h2>Encodings</h2>
 *
 * <p>A text goes as GSM 03.38 (data_coding 0) when every character is in the default alphabet or
 * its extension table (3GPP TS 23.038 §6.2.1; {@code ^ { } \ [ ~ ] | €} and form feed cost two
 * septets, ESC + code), written unpacked, one septet per octet, as SMSCs take data_coding 0 over
 * SMPP. Otherwise it goes as UCS-2 (data_coding 8), written as UTF-16BE so that emoji travel as
 * surrogate pairs. One part holds 160 septets / 70 units; a longer text is split into parts of 153
 * septets / 67 units behind the UDH {@code 05 00 03 ref total seq} (esm_class 0x40), never cutting
 * an escape pair or a surrogate pair, at most 255 parts (a longer text is PERMANENT). The 8-bit
 * reference counts up per client and wraps. Incoming text is read by its data_coding (0 GSM, 1
 * ASCII, 3 Latin-1, 8 UCS-2, other values one octet per character); receipt text as ASCII.
 *
 * <h2>Binds</h2>
 *
 * <p>Each connection is a verticle with an event-loop context of its own, so its I/O, timers and
 * window are touched by one thread; {@code submit} may be called from any thread and its future
 * completes on the caller's context. A bind is a transceiver, or a transmitter plus a receiver
 * ({@code BindMode}). A connection that fails, is refused, is dropped, is unbound by the SMSC or
 * leaves an enquire_link unanswered for responseTimeout is closed and opened again after
 * reconnectMin doubling to reconnectMax, with jitter (a random point in the upper half), so many
 * binds do not reconnect in step. enquire_link goes every enquireLinkInterval. The SMSC's
 * enquire_link and unbind are answered. {@code close()} stops reconnecting, fails queued submits
 * NOT_BOUND, waits up to responseTimeout for the answers to written ones, then unbinds (waiting up
 * to responseTimeout for unbind_resp) and closes.
 *
 * <h2>Window</h2>
 *
 * <p>At most windowSize submit_sm are unanswered per connection (enquire_link and unbind are not
 * counted); responses are matched by sequence number, so they may come in any order. Waiting
 * submits queue FIFO per connection; a submit goes to the bound connections round robin, and all
 * parts of one message go to the same connection one after another (part k+1 is written once part k
 * is accepted, ahead of messages not yet begun). A response that does not come within
 * responseTimeout makes the part UNKNOWN: the SMSC may have accepted it, so it is never resent, and
 * a late response is dropped. A connection lost after a part was written also makes it UNKNOWN;
 * queued submits not yet begun move to another connection (NOT_BOUND if none is up).
 *
 * <h2>Throttling</h2>
 *
 * <p>ESME_RTHROTTLED (0x58) and ESME_RMSGQFUL (0x14) pause that connection's submits for
 * throttleBackoff, doubling on each throttle that arrives after the pause ended (a burst of
 * throttled answers from one window is one step), up to 16 s; an accepted submit resets it. The
 * throttled part goes back to the head of the queue and is sent again after the pause; a message
 * throttled for longer than maxThrottleWait ends THROTTLED. {@code throttles()} counts the answers.
 * Other refusals end the message: PERMANENT for statuses that describe the message (length,
 * addresses, flags, schedule, TLVs; see {@code CommandStatus}), RETRYABLE otherwise (ESME_RSYSERR,
 * ESME_RSUBMITFAIL, vendor codes, generic_nack).
 *
 * <h2>Inbound</h2>
 *
 * <p>A deliver_sm or data_sm with esm_class message type 0x04 (receipt) or 0x20 (intermediate
 * notification), or with receipted_message_id, is a receipt: id and state come from the TLVs
 * receipted_message_id / message_state when present, else from the Appendix B text (fields in any
 * order, keys in any case, missing ones tolerated); err from the text or network_error_code ({@code
 * type:code}). Anything else is a mobile-originated message; concatenated ones (UDH IEI 00 or 08,
 * or the sar_* TLVs) are reassembled in memory. deliver_sm_resp goes only when the listener's
 * future completes: 0 on success, ESME_RX_T_APPN (0x64) on failure, so the SMSC delivers again. The
 * parts of a concatenated message are all answered only after the whole message was handed on and
 * stored, since nothing holds them durably before that; parts still missing after 60 s leave a
 * {@code […]} in the text handed on.
 *
 * <p>Nothing here logs a phone number, a text or the password; logs name the connection as
 * systemId@host:port/role#index.
 */
package dev.sluice.gateway.connector.smpp.protocol;
