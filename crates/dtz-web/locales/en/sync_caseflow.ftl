# Case work a field laptop cannot send to the hub yet (issue 9), English.
msg-this-cannot-be-done-on-a-field-laptop-yet-do-it-on-the-hub-after-syncing = This cannot be done on a field laptop yet: do it on the hub after syncing.
