"""What the national extracts' items are worth next year, with a learner the workbook did not write (issue 14).

XGBoost (Debian's python3-xgboost) on CDC's raw codes of the 17 predictors, every missing code (7, 9, blank) kept as
its own value, trained on 2022+2023 and tested on all of 2024; then two ablations that show what the workbook's
features had lost: diabetes as yes/no only (pre-diabetes counted as no), and without the binge / heavy drinking
groupings. Usage: /usr/bin/python3 studies/years/years_xgboost.py (about 3 minutes on 2 cores).
"""
import time
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.metrics import roc_auc_score

from national_extracts import PREDICTORS, year

data = pd.concat([year(y) for y in (2022, 2023, 2024)])
data["DIABETES_YES"] = np.where(data.DIABETES == 1, 1, np.where(data.DIABETES.isin([2, 3, 4]), 0, -1))
train, test = data[data.year < 2024], data[data.year == 2024]
variants = {
    "every item, raw codes": PREDICTORS,
    "diabetes as yes/no only": [p for p in PREDICTORS if p != "DIABETES"] + ["DIABETES_YES"],
    "without binge / heavy drinking": [p for p in PREDICTORS if p not in ("SOCIAL_DRINKER", "HEAVY_ALCOHOL_CONSUMPTION")],
}
for name, features in variants.items():
    model = xgb.XGBClassifier(n_estimators=800, learning_rate=0.03, tree_method="hist", grow_policy="lossguide", max_leaves=63,
                              max_depth=0, min_child_weight=20, subsample=0.8, colsample_bytree=0.7, n_jobs=2, random_state=1)
    start = time.time()
    model.fit(train[features], train.y)
    auc = roc_auc_score(test.y, model.predict_proba(test[features])[:, 1])
    print(f"2022+2023 -> 2024, {name}: AUC {auc:.4f} ({time.time() - start:.0f} s)", flush=True)
