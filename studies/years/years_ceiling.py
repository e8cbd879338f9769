"""What gradient boosting can get from the national extracts' 17 predictors (issue 14's AUC targets), with scikit-learn.

Next year: trained on 2022+2023, tested on all of 2024. Within year: trained on 2022, 2023 and 80 % of 2024, tested on
the other 20 % of 2024 (stratified). Codes as given (missing -> -1), HistGradientBoosting, several sizes, with and
without native categorical splits. Usage: /usr/bin/python3 studies/years/years_ceiling.py (about 10 minutes).
"""
import time
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from national_extracts import PREDICTORS, year

def fit(train, test, iterations, leaves, rate, categorical):
    encode = (lambda f: f[PREDICTORS].astype(int).replace(-1, 250)) if categorical else (lambda f: f[PREDICTORS])
    model = HistGradientBoostingClassifier(max_iter=iterations, learning_rate=rate, max_leaf_nodes=leaves, min_samples_leaf=50,
                                           categorical_features=list(range(len(PREDICTORS))) if categorical else None,
                                           early_stopping=False, random_state=1)
    model.fit(encode(train), train.y)
    p = model.predict_proba(encode(test))[:, 1]
    return roc_auc_score(test.y, p), p.mean() - test.y.mean()

data = pd.concat([year(y) for y in (2022, 2023, 2024)])
latest = data[data.year == 2024]
latest_train, latest_test = train_test_split(latest, test_size=0.2, stratify=latest.y, random_state=1)
questions = {"2022+2023 -> 2024 (next year)": (data[data.year < 2024], latest),
             "2022+2023+80 % of 2024 -> 20 % of 2024 (within year)": (pd.concat([data[data.year < 2024], latest_train]), latest_test)}
for name, (train, test) in questions.items():
    for iterations, leaves, rate in ((200, 31, 0.05), (400, 63, 0.05), (800, 63, 0.03)):
        for categorical in (False, True):
            start = time.time()
            auc, citl = fit(train, test, iterations, leaves, rate, categorical)
            print(f"{name}: {iterations} iterations, {leaves} leaves, rate {rate}, categorical {categorical}: "
                  f"AUC {auc:.4f}, calibration in the large {citl:+.4f} ({time.time() - start:.0f} s)", flush=True)
