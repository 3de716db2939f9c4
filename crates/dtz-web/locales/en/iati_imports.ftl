# Imported IATI activities (dtz import iati).
iati-imports-title = Imported IATI activities
iati-imports-link = Imported IATI activities
iati-imports-intro = Activities imported from other publishers' IATI files, kept as they reported them. Each parent activity is a programme here; its figures are read-only.
iati-imports-all = Every imported activity
iati-imports-of = Activities of the programme { $programme }.
iati-imports-none = No IATI activities were imported yet that you may see.
iati-imports-count = Imported activities: { $count }
iati-imports-when = Imported
iati-imports-publisher = Publisher
iati-imports-identifier = IATI identifier
iati-imports-activity-title = Title
iati-imports-countries = Countries
iati-imports-programme = Programme
iati-imports-parent = Parent activity
iati-imports-from = Imported from IATI: the framework and figures are kept as the publisher reported them and cannot be changed here.
