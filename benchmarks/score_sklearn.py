"""Scoring peer for run-score.sh: scikit-learn's GradientBoostingClassifier(n_estimators=80, max_depth=4), the
grid's best setting, fitted on the same training rows (train.csv) and scoring the same rows (input.csv).
    /usr/bin/python3 score_sklearn.py fit <dir>     # fit and pickle (not timed)
    /usr/bin/python3 score_sklearn.py score <dir>   # load, read, predict_proba, write (timed as a whole process)
"""
import pickle, sys, time
from pathlib import Path
import pandas as pd

step, folder = sys.argv[1], Path(sys.argv[2])
if step == 'fit':
    from sklearn.ensemble import GradientBoostingClassifier
    train = pd.read_csv(folder / 'train.csv')
    model = GradientBoostingClassifier(n_estimators=80, max_depth=4, random_state=42).fit(train.drop(columns='label'), train['label'])
    pickle.dump(model, open(folder / 'sklearn.pkl', 'wb'))
else:
    t = time.time()
    model = pickle.load(open(folder / 'sklearn.pkl', 'rb'))
    rows = pd.read_csv(folder / 'input.csv')
    p = model.predict_proba(rows)[:, 1]
    pd.DataFrame({'probability': p}).to_csv(folder / 'sklearn_predictions.csv', index=False)
    print(f'scored {len(rows):,} rows in {time.time() - t:.2f} s inside the process ({len(rows) / (time.time() - t):,.0f} rows/s)')
