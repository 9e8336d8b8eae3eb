from retrieval.fitting import Item, Outcome, operating_point


def outcome(answerable: bool, abstained: bool) -> Outcome:
    item = Item({"id": "x", "kind": "question", "query": "q"}, answerable)
    return Outcome(item, None if abstained else 1, abstained)


def test_operating_point_reports_precision_and_recall_of_answering() -> None:
    outcomes = [
        outcome(answerable=True, abstained=False),
        outcome(answerable=True, abstained=False),
        outcome(answerable=True, abstained=True),
        outcome(answerable=False, abstained=False),
        outcome(answerable=False, abstained=True),
    ]
    line = operating_point(outcomes)
    assert "precision=0.667" in line  # 2 of the 3 answered were answerable
    assert "recall=0.667" in line  # 2 of the 3 answerable were answered
