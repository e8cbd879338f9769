# R survey's side of benchmarks/population-direct.sh: the direct estimates for all states x each group dimension (state alone,
# and state x age band, sex, income band, education), as svyby computes them on the shipped 2016 extract, timed inside R.
# Same design and groups as the workbook (tests/fixtures/population/make_direct_fixture.R). Usage: Rscript population_direct_svyby.R <extract.csv.gz>
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
started <- Sys.time()
raw <- read.csv(commandArgs(trailingOnly = TRUE)[1])
band <- function(codes, labels) labels[match(codes, seq_along(labels))]
d <- data.frame(
  X_STATE = raw$X_STATE, X_STSTR = raw$X_STSTR, X_LLCPWT = raw$X_LLCPWT,
  y = ifelse(raw$X_RFHLTH == 2, 1, ifelse(raw$X_RFHLTH == 1, 0, NA)),
  age = band(raw$X_AGEG5YR, c("18-24", "25-34", "25-34", "35-44", "35-44", "45-54", "45-54", "55-64", "55-64", "65+", "65+", "65+", "65+")),
  sex = band(raw$SEX, c("male", "female")),
  income = band(raw$INCOME2, c("under $15k", "under $15k", "$15k-25k", "$15k-25k", "$25k-35k", "$35k-50k", "$50k-75k", "$75k+")),
  education = band(raw$X_EDUCAG, c("no high-school diploma", "high school", "some college", "college graduate")))
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
