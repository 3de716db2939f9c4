# Case work pushed from field nodes (issue 9, point 4): refusals on the hub's conflicts page, English.
sync-cases-refusals = Case work from laptops that was refused
sync-cases-refusals-text = The hub checked these against the case and referral as they are here and did not apply them; the laptop shows the same reason on its sync page.
sync-cases-refusals-none = No case work from a laptop was refused.
sync-cases-received = Received
sync-cases-sealed = (sealed: open the case)
sync-cases-refused-here = A field laptop's step on this referral was refused: { $detail }
msg-this-sealed-field-does-not-open-with-the-case-s-key = This sealed field does not open with the case's key.
msg-this-kind-of-case-work-cannot-be-pushed = This kind of case work cannot be pushed.
msg-this-case-number-was-not-given-by-this-device-s-allocator = This case number was not given by this device's allocator.
msg-this-case-exists-on-the-hub-already = This case exists on the hub already.
msg-the-step-has-no-id = The step has no id.
notify-kind-sync_conflict = Sync conflict on a case
notify-text-sync_conflict = A change made on a field laptop to a case you supervise conflicts with the hub. Decide on the sync conflicts page.
