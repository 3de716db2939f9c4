# Field nodes: keys, audit anchoring, quarantine (issue 9, points 5 and 6), English (source language).
audit-filter-device = Field device (its offline events)
msg-choose-a-passphrase-of-at-least-n-characters = Choose a passphrase of at least { $n1 } characters.
msg-this-node-has-no-keyring = This node has no keyring.
msg-this-passphrase-does-not-unlock-the-node = This passphrase does not unlock the node.
msg-the-case-key-was-not-wrapped-for-this-hub = The case key was not wrapped for this hub.
msg-the-batch-is-not-signed-by-this-device = The batch is not signed by this device.
msg-the-hub-s-receipt-does-not-match-the-batch-or-its-key = The hub's receipt does not match the batch or its key.
msg-this-device-was-revoked-what-it-sent-is-kept-for-review-and-not-applied = This device was revoked: what it sent is kept for review and not applied.
msg-this-node-holds-no-escrow-key-from-its-hub-yet-run-dtz-node-sync-first = This node holds no escrow key from its hub yet: run dtz node sync first.
