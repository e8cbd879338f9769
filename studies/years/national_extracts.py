"""The shipped national extracts (2022-2024) as the outside-learner benchmarks read them: the 17 predictors with CDC's
codes as given (missing -> -1, its own value), respondents with a known target, `y` = fair or poor health, `year`."""
import os
import pandas as pd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "brfss-real")
PREDICTORS = ["EXERCISE", "HEALTH_CARE_COVERAGE", "SMOKER", "DRINKER", "SOCIAL_DRINKER", "HEAVY_ALCOHOL_CONSUMPTION",
              "HEART_ATTACK", "STROKE", "DIABETES", "ARTHRITIS", "MARITAL_STATUS", "EMPLOYMENT", "SEX", "AGE_CATEGORIES",
              "BMICAT", "EDUCATION_LEVEL", "INCOME"]

def year(y):
    d = pd.read_csv(os.path.join(ROOT, f"brfss{y}_llcp_national_20vars.zip"))
    d = d[d.HEALTH_STATUS.isin([1, 2])].copy()
    d["y"], d["year"] = (d.HEALTH_STATUS == 2).astype(int), y
    d[PREDICTORS] = d[PREDICTORS].fillna(-1)
    return d
