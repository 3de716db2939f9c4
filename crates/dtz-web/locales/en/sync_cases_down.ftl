# Cases pulled down to field nodes (issue 9, point 2), English (source language).
msg-choose-reference-activities-values-or-cases = Choose reference, activities, values or cases.
msg-the-case-key-was-not-wrapped-for-this-device = The case key was not wrapped for this device.
sync-cases-held = Cases held on this laptop
