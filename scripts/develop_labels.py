"""The demo's own words in each language scripts/develop can start in.

The integration's texts are in custom_components/mycirrus/translations; these
are the demo's: the names of the simulated instruments (as a user would name
them in MyCirrus) and the titles of the demo dashboard. A title a language
lacks is shown in English.

    python scripts/develop_labels.py de     prints the instruments' name, "{n}" for
                                            the number, or fails for a language
                                            the demo does not speak
"""

from __future__ import annotations

import sys

# The instruments' names: {n} counts from 1.
MONITOR = {
    "en": "Noise monitor {n}",
    "de": "Lärmmessstelle {n}",
    "es": "Estación de medida {n}",
    "fr": "Station de mesure {n}",
    "it": "Stazione di misura {n}",
    "nl": "Geluidsmeetpunt {n}",
}

# The dashboard's titles and row names, by their English.
LABELS: dict[str, dict[str, str]] = {
    "de": {
        "Noise monitors": "Lärmmessstellen",
        "Site": "Standort",
        "Stored data": "Gespeicherte Daten",
        "LAeq now": "LAeq aktuell",
        "Noise levels": "Schallpegel",
        "Online": "Online",
        "Measuring": "Messung",
        "Drift": "Kalibrierdrift",
        "Offset": "Kalibrierabweichung",
        "Last SIC": "Letzte SIC",
        "Identify": "Identifizieren",
        "Run SIC": "SIC ausführen",
        "Fleet": "Alle Messstellen",
        "Monitor {n}": "Messstelle {n}",
        "LAeq, hourly (energetic mean)": "LAeq, stündlich (energetischer Mittelwert)",
        "LAFMax, hourly (maximum)": "LAFMax, stündlich (Maximum)",
        "Rating levels": "Beurteilungspegel",
        "LAeq day (07-19)": "LAeq Tag (07-19)",
        "LAeq evening (19-23)": "LAeq Abend (19-23)",
        "LAeq night (23-07)": "LAeq Nacht (23-07)",
        "LAeq, last period": "LAeq, letztes Messintervall",
        "Noise events": "Lärmereignisse",
        "Weather": "Wetter",
        "Conditions": "Messbedingungen",
        "Wind": "Wind",
        "Wind direction": "Windrichtung",
        "Rain": "Regen",
        "Temperature": "Temperatur",
    },
    "es": {
        "Noise monitors": "Estaciones de medida",
        "Site": "Emplazamiento",
        "Stored data": "Datos almacenados",
        "LAeq now": "LAeq ahora",
        "Noise levels": "Niveles sonoros",
        "Online": "En línea",
        "Measuring": "Medición",
        "Drift": "Deriva",
        "Offset": "Desviación",
        "Last SIC": "Último SIC",
        "Identify": "Identificar",
        "Run SIC": "Ejecutar SIC",
        "Fleet": "Todas las estaciones",
        "Monitor {n}": "Estación {n}",
        "LAeq, hourly (energetic mean)": "LAeq horario (promedio energético)",
        "LAFMax, hourly (maximum)": "LAFMax horario (máximo)",
        "Rating levels": "Niveles de evaluación",
        "LAeq day (07-19)": "LAeq día (07-19)",
        "LAeq evening (19-23)": "LAeq tarde (19-23)",
        "LAeq night (23-07)": "LAeq noche (23-07)",
        "LAeq, last period": "LAeq, último periodo",
        "Noise events": "Eventos sonoros",
        "Weather": "Meteorología",
        "Conditions": "Condiciones de medición",
        "Wind": "Viento",
        "Wind direction": "Dirección del viento",
        "Rain": "Lluvia",
        "Temperature": "Temperatura",
    },
    "fr": {
        "Noise monitors": "Stations de mesure",
        "Site": "Site",
        "Stored data": "Données enregistrées",
        "LAeq now": "LAeq actuel",
        "Noise levels": "Niveaux sonores",
        "Online": "En ligne",
        "Measuring": "Mesure",
        "Drift": "Dérive",
        "Offset": "Écart",
        "Last SIC": "Dernier SIC",
        "Identify": "Identifier",
        "Run SIC": "Lancer un SIC",
        "Fleet": "Toutes les stations",
        "Monitor {n}": "Station {n}",
        "LAeq, hourly (energetic mean)": "LAeq horaire (moyenne énergétique)",
        "LAFMax, hourly (maximum)": "LAFMax horaire (maximum)",
        "Rating levels": "Niveaux d'évaluation",
        "LAeq day (07-19)": "LAeq jour (07-19)",
        "LAeq evening (19-23)": "LAeq soirée (19-23)",
        "LAeq night (23-07)": "LAeq nuit (23-07)",
        "LAeq, last period": "LAeq, dernière période",
        "Noise events": "Événements sonores",
        "Weather": "Météo",
        "Conditions": "Conditions de mesure",
        "Wind": "Vent",
        "Wind direction": "Direction du vent",
        "Rain": "Pluie",
        "Temperature": "Température",
    },
    "it": {
        "Noise monitors": "Stazioni di misura",
        "Site": "Sito",
        "Stored data": "Dati memorizzati",
        "LAeq now": "LAeq ora",
        "Noise levels": "Livelli sonori",
        "Online": "In linea",
        "Measuring": "Misura",
        "Drift": "Deriva",
        "Offset": "Scostamento",
        "Last SIC": "Ultimo SIC",
        "Identify": "Identifica",
        "Run SIC": "Esegui SIC",
        "Fleet": "Tutte le stazioni",
        "Monitor {n}": "Stazione {n}",
        "LAeq, hourly (energetic mean)": "LAeq orario (media energetica)",
        "LAFMax, hourly (maximum)": "LAFMax orario (massimo)",
        "Rating levels": "Livelli di valutazione",
        "LAeq day (07-19)": "LAeq giorno (07-19)",
        "LAeq evening (19-23)": "LAeq sera (19-23)",
        "LAeq night (23-07)": "LAeq notte (23-07)",
        "LAeq, last period": "LAeq, ultimo periodo",
        "Noise events": "Eventi sonori",
        "Weather": "Meteo",
        "Conditions": "Condizioni di misura",
        "Wind": "Vento",
        "Wind direction": "Direzione del vento",
        "Rain": "Pioggia",
        "Temperature": "Temperatura",
    },
    "nl": {
        "Noise monitors": "Geluidsmeetpunten",
        "Site": "Locatie",
        "Stored data": "Opgeslagen metingen",
        "LAeq now": "LAeq nu",
        "Noise levels": "Geluidsniveaus",
        "Online": "Online",
        "Measuring": "Meting",
        "Drift": "Kalibratiedrift",
        "Offset": "Kalibratieafwijking",
        "Last SIC": "Laatste SIC",
        "Identify": "Identificeren",
        "Run SIC": "SIC uitvoeren",
        "Fleet": "Alle meetpunten",
        "Monitor {n}": "Meetpunt {n}",
        "LAeq, hourly (energetic mean)": "LAeq per uur (energetisch gemiddelde)",
        "LAFMax, hourly (maximum)": "LAFMax per uur (maximum)",
        "Rating levels": "Beoordelingsniveaus",
        "LAeq day (07-19)": "LAeq dag (07-19)",
        "LAeq evening (19-23)": "LAeq avond (19-23)",
        "LAeq night (23-07)": "LAeq nacht (23-07)",
        "LAeq, last period": "LAeq, laatste meetperiode",
        "Noise events": "Geluidsgebeurtenissen",
        "Weather": "Weer",
        "Conditions": "Meetomstandigheden",
        "Wind": "Wind",
        "Wind direction": "Windrichting",
        "Rain": "Regen",
        "Temperature": "Temperatuur",
    },
}


def label(language: str, text: str) -> str:
    """Return the demo's ``text`` in ``language``, or as it is."""
    return LABELS.get(language, {}).get(text, text)


def main() -> None:
    language = sys.argv[1] if len(sys.argv) > 1 else "en"
    if language not in MONITOR:
        sys.exit(
            f"The demo speaks {', '.join(sorted(MONITOR))}, not {language!r} "
            "(MYCIRRUS_LANGUAGE)"
        )
    print(MONITOR[language])


if __name__ == "__main__":
    main()
