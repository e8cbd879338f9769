# R survey's side of benchmarks/population-direct.sh: the direct estimates for all states x each group dimension (state alone,
# and state x age band, sex, income band, education), as svyby computes them on the shipped 2016 extract, timed inside R.
# Same design as the workbook and its oracle (tests/fixtures/population/make_direct_fixture.R), and the same groups
# (respondents.R beside it). Usage: Rscript population_direct_svyby.R <extract.csv.gz>
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
script <- normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(dirname(script), "..", "tests", "fixtures", "population", "respondents.R"))
started <- Sys.time()
raw <- read.csv(commandArgs(trailingOnly = TRUE)[1])
d <- brfss_respondents(raw)
cat(sprintf("R: read %d respondents in %.2f s\n", nrow(d), as.numeric(Sys.time() - started, units = "secs")))
timed <- function(what, expr) {
  t <- system.time(value <- expr)[["elapsed"]]
  cat(sprintf("R: %s: %.2f s\n", what, t))
  invisible(list(value = value, seconds = t))
}
design <- timed("svydesign", svydesign(ids = ~1, strata = ~X_STSTR, weights = ~X_LLCPWT, data = d))$value
total <- 0
domains <- 0
for (by in c("X_STATE", "X_STATE + age", "X_STATE + sex", "X_STATE + income", "X_STATE + education")) {
  r <- timed(paste("svyby ~", by), svyby(~y, as.formula(paste("~", by)), design, svymean, na.rm = TRUE))
  total <- total + r$seconds
  domains <- domains + nrow(r$value)
}
cat(sprintf("R: svyby, all states x each dimension: %d domains in %.2f s\n", domains, total))
