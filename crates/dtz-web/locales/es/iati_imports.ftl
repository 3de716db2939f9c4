# Actividades IATI importadas (dtz import iati).
iati-imports-title = Actividades IATI importadas
iati-imports-link = Actividades IATI importadas
iati-imports-intro = Actividades importadas de archivos IATI de otras organizaciones, guardadas tal como las informaron. Cada actividad madre es aquí un programa; sus cifras son de solo lectura.
iati-imports-all = Todas las actividades importadas
iati-imports-of = Actividades del programa { $programme }.
iati-imports-none = Aún no se importó ninguna actividad IATI que usted pueda ver.
iati-imports-count = Actividades importadas: { $count }
iati-imports-when = Importada
iati-imports-publisher = Publicada por
iati-imports-identifier = Identificador IATI
iati-imports-activity-title = Título
iati-imports-countries = Países
iati-imports-programme = Programa
iati-imports-parent = Actividad madre
iati-imports-from = Importado de IATI: el marco y las cifras se guardan tal como los informó quien los publicó y no se pueden cambiar aquí.
