# Peer for the small-area validation: classic MRP with lme4 on the same draws and the same frame as ours.
#   Rscript studies/small-area/mrp_lme4.R WORK [N] [DRAWS] [OUT] [NAGQ] [EXTRA]
# WORK holds respondents.csv, frame.csv, states.csv and draws/n<N>_dNN.txt written by `PopHealth.Studies small-area prepare`.
# Model: glmer(fair/poor ~ age band + sex + education + income band + (1 | state), binomial) on each draw's respondents alone
# (those with known age, sex and education, as ours), fitted on cell counts (the same likelihood as individual rows),
# post-stratified on the frame's cells: estimate_s = sum_c N_sc * plogis(eta_sc) / sum_c N_sc. Debian's r-cran-lme4.
# EXTRA (optional) is added to the formula, e.g. "+ lowedu" (the standardised share without a high-school diploma).
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
work <- args[1]
n <- if (length(args) >= 2) as.integer(args[2]) else 300L
draws <- if (length(args) >= 3) eval(parse(text = args[3])) else 1:10
out <- if (length(args) >= 4) args[4] else file.path(work, "results_lme4.csv")
nagq <- if (length(args) >= 5) as.integer(args[5]) else 1L
extra <- if (length(args) >= 6) args[6] else ""

respondents <- read.csv(file.path(work, "respondents.csv"))
frame <- read.csv(file.path(work, "frame.csv"))
states <- read.csv(file.path(work, "states.csv"))
low_education <- tapply(frame$adults * (frame$education == 1), frame$state, sum) / tapply(frame$adults, frame$state, sum)
low_education <- (low_education - mean(low_education)) / sd(low_education)
frame$lowedu <- low_education[as.character(frame$state)]
form <- as.formula(paste("cbind(k, m - k) ~ factor(age) + factor(sex) + factor(education) + factor(income)", extra, "+ (1 | state)"))

results <- list()
for (d in draws) {
  rows <- scan(file.path(work, "draws", sprintf("n%d_d%02d.txt", n, d)), quiet = TRUE)
  sub <- respondents[respondents$row %in% rows, ]
  sub <- sub[!is.na(sub$age) & !is.na(sub$sex) & !is.na(sub$education), ]
  sub$lowedu <- low_education[as.character(sub$state)]
  cells <- aggregate(cbind(k = y, m = 1) ~ state + age + sex + education + income + lowedu, data = sub, FUN = sum)
  started <- Sys.time()
  fit <- glmer(form, data = cells, family = binomial, nAGQ = nagq)
  eta <- predict(fit, newdata = frame, type = "link", allow.new.levels = TRUE)
  estimate <- tapply(frame$adults * plogis(eta), frame$state, sum) / tapply(frame$adults, frame$state, sum)
  seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))
  sigma <- attr(VarCorr(fit)$state, "stddev")
  cat(sprintf("n=%d draw %d: %.2f s, sigma %.4f\n", n, d, seconds, sigma))
  results[[length(results) + 1]] <- data.frame(n = n, draw = d, state = as.integer(names(estimate)), row.names = NULL,
    truth = states$truth[match(as.integer(names(estimate)), states$state)], lme4 = as.numeric(estimate), fit_seconds = seconds, sigma = sigma)
}
write.csv(do.call(rbind, results), out, row.names = FALSE, quote = FALSE)
