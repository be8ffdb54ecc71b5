"""The medical report's per-source tables: each held-out source's figure and the trade-off."""

from moderator.training.medical.report import per_source_tables

CARD = {
    "leave_one_source_out": {
        "by_source": {
            "kqa": {
                "kind": "health questions",
                "n": 1164,
                "own_threshold": 0.41,
                "recall": 0.88,
                "recall_at_shipped_threshold": 0.87,
                "target": "recall >= 0.95",
                "met": False,
            },
            "<script>x</script>": {
                "kind": "not health questions",
                "n": 10,
                "own_threshold": 0.42,
                "false_flags": 0.01,
                "false_flags_at_shipped_threshold": 0.02,
                "target": "false_flags <= 0.02",
                "met": True,
            },
        },
        "at_cuts": {
            "0.30": {"kqa": 0.9, "<script>x</script>": 0.05},
            "0.50": {"kqa": 0.8, "<script>x</script>": 0.0},
        },
    }
}


def test_each_source_shows_its_held_out_figure_and_whether_it_met_the_target():
    page = per_source_tables(CARD)
    assert "recall 0.880" in page and "NOT met" in page
    assert "false flags 0.010" in page and "(met)" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_trade_off_table_has_a_column_per_cut_off():
    page = per_source_tables(CARD)
    trade = page.split("Trade-off")[1]
    assert "<th>0.30</th><th>0.50</th>" in trade
    assert "<td>kqa</td><td>0.900</td><td>0.800</td>" in trade


def test_a_model_without_real_sources_has_no_tables():
    assert per_source_tables({}) == ""
