"""The recommended projects of French, Spanish, Russian and Arabic (``unbis-fr`` ...):
matching in their language with a ranker and concept association learned from English
Security Council resolutions, on a resolution written in each language (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from undex.corpus import CorpusStats, labelled_documents
from undex.project import ProjectRegistry

LANGUAGES = ("fr", "es", "ru", "ar")
PROJECTS = "".join(
    f'[unbis-{lang}]\nlanguage = "{lang}"\nbackend = "lexical"\nvocab = "unbis"\n\n' for lang in LANGUAGES
)

RESOLUTIONS = {
    "fr": """Le Conseil de sécurité,
Accueillant avec satisfaction le rapport du Secrétaire général sur l'opération des Nations Unies à Chypre,
Réaffirmant ses résolutions antérieures sur la situation à Chypre,
1. Décide de proroger le mandat de la Force des Nations Unies chargée du maintien de la paix à Chypre pour une
nouvelle période de six mois;
2. Demande à toutes les parties de respecter le cessez-le-feu et de s'abstenir de toute action susceptible
d'aggraver la tension;
3. Exhorte les États Membres à garantir l'accès sans entrave de l'aide humanitaire aux réfugiés et aux personnes
déplacées;
4. Décide que tous les États imposeront immédiatement un embargo sur les armes;
5. Décide de rester activement saisi de la question.""",
    "es": """El Consejo de Seguridad,
Acogiendo con beneplácito el informe del Secretario General sobre la operación de las Naciones Unidas en Chipre,
Reafirmando sus resoluciones anteriores sobre la situación en Chipre,
1. Decide prorrogar el mandato de la operación de las Naciones Unidas para el mantenimiento de la paz en Chipre
por un nuevo período de seis meses;
2. Exhorta a todas las partes a que respeten la cesación del fuego y se abstengan de toda acción que pueda agravar
la tensión;
3. Insta a los Estados Miembros a que garanticen el acceso sin trabas de la asistencia humanitaria a los
refugiados y las personas desplazadas;
4. Decide que todos los Estados impondrán de inmediato un embargo de armas;
5. Decide seguir ocupándose activamente de la cuestión.""",
    "ru": """Совет Безопасности,
приветствуя доклад Генерального секретаря об операции Организации Объединенных Наций на Кипре,
вновь подтверждая свои предыдущие резолюции о положении на Кипре,
1. постановляет продлить мандат операции Организации Объединенных Наций по поддержанию мира на Кипре еще на
шесть месяцев;
2. призывает все стороны соблюдать прекращение огня и воздерживаться от любых действий, которые могут обострить
напряженность;
3. настоятельно призывает государства-члены обеспечить беспрепятственный доступ гуманитарной помощи беженцам и
перемещенным лицам;
4. постановляет, что все государства должны немедленно ввести эмбарго на поставки оружия;
5. постановляет продолжать активно заниматься этим вопросом.""",
    "ar": """إن مجلس الأمن،
إذ يرحب بتقرير الأمين العام عن عملية الأمم المتحدة في قبرص،
وإذ يعيد تأكيد قراراته السابقة بشأن الحالة في قبرص،
1. يقرر تمديد ولاية عمليات الأمم المتحدة لحفظ السلام في قبرص لفترة ستة أشهر أخرى؛
2. يهيب بجميع الأطراف احترام وقف إطلاق النار والامتناع عن أي عمل قد يؤدي إلى تصعيد التوتر؛
3. يحث الدول الأعضاء على كفالة وصول المساعدة الإنسانية دون عوائق إلى اللاجئين والأشخاص المشردين؛
4. يقرر أن تفرض جميع الدول فورا حظرا على توريد الأسلحة؛
5. يقرر أن يبقي المسألة قيد نظره الفعلي.""",
}
"""The same Security Council resolution (a peacekeeping force's mandate, a ceasefire,
humanitarian access, an arms embargo) as it is written in each language."""

SUBJECTS = {"PEACEKEEPING OPERATIONS", "CEASEFIRES", "CYPRUS QUESTION", "ARMS EMBARGO", "DISPLACED PERSONS"}


@pytest.fixture(scope="module")
def registry(unbis_datadir: Path, corpora_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ProjectRegistry:
    """The four projects, each trained on the English resolutions of the train split."""
    folder = tmp_path_factory.mktemp("unbis-languages")
    (folder / "projects.toml").write_text(PROJECTS, encoding="utf-8")
    registry = ProjectRegistry(folder / "projects.toml", unbis_datadir)
    vocab = registry.get("unbis-fr").vocab
    resolutions = [corpora_dir / "cr_unsc_res_en.jsonl"]
    docs = list(labelled_documents(resolutions, vocab, CorpusStats(), split="train"))
    for language in LANGUAGES:
        registry.get(f"unbis-{language}").train(docs)
    return registry


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_english_trained_project_indexes_a_resolution_in_its_language(registry: ProjectRegistry, language: str) -> None:
    project = registry.get(f"unbis-{language}")
    batch = project.suggest_batch([RESOLUTIONS[language]], limit=10)
    top = [project.vocab.concepts[c].prefLabel["en"] for c, _ in batch.ranked(0)]
    assert len(SUBJECTS & set(top)) >= 4, top
    assert "PEACEKEEPING OPERATIONS" in top[:6], top
