DROP TABLE compliance_longest;
