SELECT
  COUNT(*) AS interceptions,
  COUNT(*) FILTER(WHERE
    NOT f.resolved) AS unattributed,
  COUNT(*) FILTER(WHERE
    f.case_01) AS case_01,
  COUNT(*) FILTER(WHERE
    f.case_01 AND NOT f.resolved) AS case_01_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_02) AS case_02,
  COUNT(*) FILTER(WHERE
    f.case_02 AND NOT f.resolved) AS case_02_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_03) AS case_03,
  COUNT(*) FILTER(WHERE
    f.case_03 AND NOT f.resolved) AS case_03_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_04) AS case_04,
  COUNT(*) FILTER(WHERE
    f.case_04 AND NOT f.resolved) AS case_04_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_05) AS case_05,
  COUNT(*) FILTER(WHERE
    f.case_05 AND NOT f.resolved) AS case_05_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_06) AS case_06,
  COUNT(*) FILTER(WHERE
    f.case_06 AND NOT f.resolved) AS case_06_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_07) AS case_07,
  COUNT(*) FILTER(WHERE
    f.case_07 AND NOT f.resolved) AS case_07_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_08) AS case_08,
  COUNT(*) FILTER(WHERE
    f.case_08 AND NOT f.resolved) AS case_08_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_09) AS case_09,
  COUNT(*) FILTER(WHERE
    f.case_09 AND NOT f.resolved) AS case_09_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_10) AS case_10,
  COUNT(*) FILTER(WHERE
    f.case_10 AND NOT f.resolved) AS case_10_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_11) AS case_11,
  COUNT(*) FILTER(WHERE
    f.case_11 AND NOT f.resolved) AS case_11_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_12) AS case_12,
  COUNT(*) FILTER(WHERE
    f.case_12 AND NOT f.resolved) AS case_12_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_13) AS case_13,
  COUNT(*) FILTER(WHERE
    f.case_13 AND NOT f.resolved) AS case_13_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_14) AS case_14,
  COUNT(*) FILTER(WHERE
    f.case_14 AND NOT f.resolved) AS case_14_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_15) AS case_15,
  COUNT(*) FILTER(WHERE
    f.case_15 AND NOT f.resolved) AS case_15_unattributed,
  COUNT(*) FILTER(WHERE
    f.case_16) AS case_16,
  COUNT(*) FILTER(WHERE
    f.case_16 AND NOT f.resolved) AS case_16_unattributed,
  COUNT(*) FILTER(WHERE
    f.stuck) AS stuck
FROM edge_case_flags AS f
