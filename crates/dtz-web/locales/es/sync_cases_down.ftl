# Casos bajados a los nodos de campo (issue 9, punto 2), español.
msg-choose-reference-activities-values-or-cases = Elija reference, activities, values o cases.
msg-the-case-key-was-not-wrapped-for-this-device = La clave del caso no fue cifrada para este dispositivo.
sync-cases-held = Casos guardados en esta computadora portátil
