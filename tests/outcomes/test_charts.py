from prodops.outcomes.charts import line_chart


def test_line_chart_scales_and_skips_unknown_values():
    chart = line_chart([("a", 0.0), ("b", None), ("c", 1.0)], width=104, height=54, y_max=1.0, pad=2)
    assert chart is not None
    assert chart.points == "2.0,52.0 102.0,2.0"
    assert [d[2] for d in chart.dots] == ["a: 0", "c: 1"]
    assert line_chart([("a", None)]) is None
