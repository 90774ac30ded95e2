"""Partner names as the BIP spreadsheets publish them -> the graph's IRIs, and proper names.

Curated by hand, because a name is not an identity: the report's own entities are reused
(``agency:FAO``, ``agency:UNESCO``, ``agency:WHO``, ``agency:OECD``, ``conv:CBD``), conventions get
``conv:`` IRIs, every other organization an ``agency:ACRONYM`` IRI defined, with its labels and its
kind (UN system, MEA, other), in ``graph_data/organizations-external.trig``. The published
spelling stays in each statement's ``emg:sourceText``; ``NAMES`` gives the proper English name used
in statement labels (a test checks it against the graph's ``skos:prefLabel``).
"""

from __future__ import annotations

__all__ = ["PARTNERS", "NAMES", "NAMES_ZH", "PROPER_TITLES", "name_of"]

#: Partner name exactly as published (stripped) -> prefixed IRI.
PARTNERS: dict[str, str] = {
    "BirdLife International": "agency:BirdLife",
    "Convention on International Trade in Endangered Species (CITES)": "conv:CITES",
    "Food and Agriculture Organization of the United Nations (FAO)": "agency:FAO",
    "Global Footprint Network (GFN)": "agency:GFN",
    "Global Invasive Species Programme (GISP)": "agency:GISP",
    "IUCN": "agency:IUCN",
    "International Nitrogen Initiative (INI)": "agency:INI",
    "IUCN Sustainable Use Speciailist Group": "agency:IUCN-SUSG",
    "Organisation for Economic Co-operation and Development (OECD)": "agency:OECD",
    "Royal Society for the Protection of Birds (RSPB)": "agency:RSPB",
    "The Nature Conservancy (TNC)": "agency:TNC",
    "The University of Queensland": "agency:UQ",
    "TRAFFIC International": "agency:TRAFFIC",
    "United Nations Educational, Scientific and Cultural Organization (UNESCO)": "agency:UNESCO",
    "UNEP-WCMC": "agency:UNEP-WCMC",
    "UNEP GEMS/Water Programme": "agency:UNEP-GEMS-Water",
    "UBC Fisheries Centre": "agency:UBC-Fisheries-Centre",
    "WWF": "agency:WWF",
    "Zoological Society of London (ZSL)": "agency:ZSL",
    "Bioversity International": "agency:Bioversity",
    "Conservation Intrenational (CI)": "agency:CI",
    "Global Biodiversity Information Facility (GBIF)": "agency:GBIF",
    "International Livestock Research Institute (ILRI)": "agency:ILRI",
    "IUCN Species Survival Commission (SSC)": "agency:IUCN-SSC",
    "IUCN World Commission on Protected Areas (WCPA)": "agency:IUCN-WCPA",
    "Kew Gardens": "agency:Kew",
    "NatureServe": "agency:NatureServe",
    "Ramsar Covention on Wetlands": "conv:Ramsar",
    "Terralingua": "agency:Terralingua",
    "Sapienza Universitá di Roma": "agency:Sapienza",
    "Wildlife Conservation Society (WCS)": "agency:WCS",
    "World Health Organization (WHO)": "agency:WHO",
    "DST-NRF Centre of Excellence for Invasion Biology (CIB)": "agency:CIB",
    "European Environment Agency (EEA)": "agency:EEA",
    "Umea University": "agency:Umea-University",
    "Scope": "agency:SCOPE",
    "IGBP": "agency:IGBP",
    "GEF": "agency:GEF",
    "Alliance for Zero Extinction (AZE)": "agency:AZE",
    "Union for Ethical BioTrade (UEBT)": "agency:UEBT",
    "Marine Stewardship Council (MSC)": "agency:MSC",
    "Nitrogen Footprint": "agency:N-Print",
    "National Centre for Ecological Analysis and Synthesis": "agency:NCEAS",
    "Centre for Marine Assessment and Planning": "agency:CMAP",
    "Convention on Biological Diversity (CBD)": "conv:CBD",
    "Global Taxonomy Initiative": "agency:GTI",
    "TEAM Network": "agency:TEAM-Network",
    "European Bird Census Council": "agency:EBCC",
    "University of Durham": "agency:Durham-University",
    "University of Cambridge": "agency:Cambridge-University",
}

#: IRI -> the English name used in statement labels (the entity's skos:prefLabel@en).
NAMES: dict[str, str] = {
    "agency:BirdLife": "BirdLife International",
    "conv:CITES": "Convention on International Trade in Endangered Species of Wild Fauna and Flora",
    "agency:FAO": "Food and Agriculture Organization of the United Nations",
    "agency:GFN": "Global Footprint Network",
    "agency:GISP": "Global Invasive Species Programme",
    "agency:IUCN": "International Union for Conservation of Nature",
    "agency:INI": "International Nitrogen Initiative",
    "agency:IUCN-SUSG": "IUCN Sustainable Use Specialist Group",
    "agency:OECD": "Organisation for Economic Co-operation and Development",
    "agency:RSPB": "Royal Society for the Protection of Birds",
    "agency:TNC": "The Nature Conservancy",
    "agency:UQ": "The University of Queensland",
    "agency:TRAFFIC": "TRAFFIC International",
    "agency:UNESCO": "United Nations Educational, Scientific and Cultural Organization",
    "agency:UNEP-WCMC": "UNEP-WCMC",
    "agency:UNEP-GEMS-Water": "UNEP GEMS/Water Programme",
    "agency:UBC-Fisheries-Centre": "UBC Fisheries Centre",
    "agency:WWF": "WWF",
    "agency:ZSL": "Zoological Society of London",
    "agency:Bioversity": "Bioversity International",
    "agency:CI": "Conservation International",
    "agency:GBIF": "Global Biodiversity Information Facility",
    "agency:ILRI": "International Livestock Research Institute",
    "agency:IUCN-SSC": "IUCN Species Survival Commission",
    "agency:IUCN-WCPA": "IUCN World Commission on Protected Areas",
    "agency:Kew": "Kew Gardens",
    "agency:NatureServe": "NatureServe",
    "conv:Ramsar": "Ramsar Convention on Wetlands",
    "agency:Terralingua": "Terralingua",
    "agency:Sapienza": "Sapienza Università di Roma",
    "agency:WCS": "Wildlife Conservation Society",
    "agency:WHO": "World Health Organization",
    "agency:CIB": "DST-NRF Centre of Excellence for Invasion Biology",
    "agency:EEA": "European Environment Agency",
    "agency:Umea-University": "Umeå University",
    "agency:SCOPE": "Scope",
    "agency:IGBP": "IGBP",
    "agency:GEF": "Global Environment Facility",
    "agency:AZE": "Alliance for Zero Extinction",
    "agency:UEBT": "Union for Ethical BioTrade",
    "agency:MSC": "Marine Stewardship Council",
    "agency:N-Print": "Nitrogen Footprint",
    "agency:NCEAS": "National Centre for Ecological Analysis and Synthesis",
    "agency:CMAP": "Centre for Marine Assessment and Planning",
    "conv:CBD": "Convention on Biological Diversity",
    "agency:GTI": "Global Taxonomy Initiative",
    "agency:TEAM-Network": "TEAM Network",
    "agency:EBCC": "European Bird Census Council",
    "agency:Durham-University": "University of Durham",
    "agency:Cambridge-University": "University of Cambridge",
}

#: IRI -> the Chinese name used in statement labels, only where the graph has one (the report's
#: own entities, and conventions whose Chinese name a public page gives: see
#: organizations-external.trig); the others keep their English name in Chinese labels rather than
#: an invented translation. A test checks each against the graph's skos:prefLabel@zh.
NAMES_ZH: dict[str, str] = {
    "agency:FAO": "联合国粮食及农业组织",
    "agency:GEF": "全球环境基金",
    "agency:IUCN": "世界自然保护联盟",
    "agency:OECD": "经济合作与发展组织",
    "agency:UNESCO": "联合国教育、科学及文化组织",
    "agency:WHO": "世界卫生组织",
    "conv:CBD": "生物多样性公约",
    "conv:CITES": "濒危野生动植物种国际贸易公约",
    "conv:Ramsar": "湿地公约",
}

#: Indicator slug -> proper name where the published titles differ between versions or carry
#: a typo (each version's own title stays in its graph as dct:title).
PROPER_TITLES: dict[str, str] = {
    "riverfragmentation": "River fragmentation & flow regulation",
    "pamanagement": "Management effectiveness of protected areas",
    "certifiedfisheries": "MSC certified fishery tonnage and improvements",
    "healthofcommunities": (
        "Health & wellbeing of communities directly dependent on ecosystem goods & services"
    ),
    "statusofNBSAPs": "Status of NBSAPs",
}


def name_of(iri: str, lang: str = "en") -> str:
    """The name of a partner IRI in ``lang`` (Chinese only where :data:`NAMES_ZH` has it, else
    the English name; the IRI itself if the tables lack it)."""
    if lang == "zh" and iri in NAMES_ZH:
        return NAMES_ZH[iri]
    return NAMES.get(iri, iri)
