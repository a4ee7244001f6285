/* tact-policy-train.h: the train command of tact-policy (tact-policy-train.c). */
#pragma once

int tact_policy_cmd_train (int argc, char **argv);
