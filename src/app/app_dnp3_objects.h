/* SPDX-License-Identifier: Apache-2.0 */
/* The DNP3 object layouts (IEEE 1815-2012, Part 4) Suricata decodes, with the
 * field names its EVE "points" carry. Included by app_dnp3.c only.
 *
 * An object is a list of fields read in order after the point's prefix:
 * integers are little-endian; FLAGS reads one octet whose named bit fields
 * follow (least significant first); TIME is the 48-bit DNP3 time; CHARS and
 * BYTES take their length from an earlier field (by position) or, for the
 * "from prefix" forms, from the point's size prefix minus what was read so
 * far (that length is kept in a field of the given width that is not
 * logged). Packed objects (g1v1, g3v1, g10v1, g12v3, g80v1) hold one bit
 * field per point, 8 / width points per octet. */
#ifndef VIGIL_APP_DNP3_OBJECTS_H
#define VIGIL_APP_DNP3_OBJECTS_H

#include <stdint.h>

enum dnp3_fk {
    DF_END = 0,
    DF_U8,
    DF_U16,
    DF_U24,
    DF_U32,
    DF_I16,
    DF_I32,
    DF_F32,
    DF_F64,
    DF_TIME,        /* uint48 */
    DF_OCTET,       /* reads an octet for the BITS that follow; not logged */
    DF_BITS,        /* arg = width */
    DF_VSTR4,       /* four characters */
    DF_CHARS,       /* arg = index of the length field */
    DF_BYTES,       /* arg = index of the length field */
    DF_CHARS_PFX,   /* arg = width in bytes of the (unlogged) length */
    DF_BYTES_PFX,   /* arg = width in bytes of the (unlogged) length */
};

struct dnp3_fdesc {
    uint8_t kind;
    uint8_t arg;
    const char *name;
};

enum dnp3_constraint { DC_NONE = 0, DC_SIZE_PREFIX, DC_PREFIX_5 };

struct dnp3_odesc {
    uint8_t group, variation;
    uint8_t packed; /* 0, or the bit width of a packed point */
    uint8_t constraint;
    const struct dnp3_fdesc *fields;
};

#define D_END {DF_END, 0, NULL}
#define D_U8(n) {DF_U8, 0, n}
#define D_U16(n) {DF_U16, 0, n}
#define D_U24(n) {DF_U24, 0, n}
#define D_U32(n) {DF_U32, 0, n}
#define D_I16(n) {DF_I16, 0, n}
#define D_I32(n) {DF_I32, 0, n}
#define D_F32(n) {DF_F32, 0, n}
#define D_F64(n) {DF_F64, 0, n}
#define D_TIME(n) {DF_TIME, 0, n}
#define D_OCT {DF_OCTET, 0, NULL}
#define D_B(n, w) {DF_BITS, w, n}
#define D_T D_TIME("timestamp")

/* The flag octets shared by many objects. */
#define FL5 D_OCT, D_B("online", 1), D_B("restart", 1), D_B("comm_lost", 1), \
            D_B("remote_forced", 1), D_B("local_forced", 1)
#define FL_BIN FL5, D_B("chatter_filter", 1), D_B("reserved", 1), D_B("state", 1)
#define FL_DBL FL5, D_B("chatter_filter", 1), D_B("state", 2)
#define FL_BO FL5, D_B("reserved0", 1), D_B("reserved1", 1), D_B("state", 1)
#define FL_CD0 FL5, D_B("rollover", 1), D_B("discontinuity", 1), D_B("reserved0", 1)
#define FL_C01 FL5, D_B("rollover", 1), D_B("reserved0", 1), D_B("reserved1", 1)
#define FL_CD1 FL5, D_B("rollover", 1), D_B("discontinuity", 1), D_B("reserved1", 1)
#define FL_ANA FL5, D_B("over_range", 1), D_B("reference_err", 1), D_B("reserved0", 1)
#define FL_SEC FL5, D_B("reserved0", 1), D_B("discontinuity", 1), D_B("reserved1", 1)
#define FL_CMD D_OCT, D_B("status_code", 7), D_B("reserved0", 1)
#define FL_CROB D_OCT, D_B("op_type", 4), D_B("qu", 1), D_B("cr", 1), D_B("tcc", 2), \
            D_U8("count"), D_U32("ontime"), D_U32("offtime"), D_OCT, D_B("status_code", 7), \
            D_B("reserved", 1)

static const struct dnp3_fdesc f_state1[] = {D_B("state", 1), D_END};
static const struct dnp3_fdesc f_state2[] = {D_B("state", 2), D_END};
static const struct dnp3_fdesc f_point1[] = {D_B("point", 1), D_END};
static const struct dnp3_fdesc f_u8_state[] = {D_U8("state"), D_END};
static const struct dnp3_fdesc f_bin[] = {FL_BIN, D_END};
static const struct dnp3_fdesc f_bin_t[] = {FL_BIN, D_T, D_END};
static const struct dnp3_fdesc f_bin_rt[] = {FL_BIN, D_U16("timestamp"), D_END};
static const struct dnp3_fdesc f_dbl[] = {FL_DBL, D_END};
static const struct dnp3_fdesc f_dbl_t[] = {FL_DBL, D_T, D_END};
static const struct dnp3_fdesc f_dbl_rt[] = {FL_DBL, D_U16("relative_time_ms"), D_END};
static const struct dnp3_fdesc f_bo[] = {FL_BO, D_END};
static const struct dnp3_fdesc f_bo_t[] = {FL_BO, D_T, D_END};
static const struct dnp3_fdesc f_crob[] = {FL_CROB, D_END};
static const struct dnp3_fdesc f_bocmd[] = {D_OCT, D_B("status_code", 7), D_B("commanded_state", 1),
                                            D_END};
static const struct dnp3_fdesc f_bocmd_t[] = {D_OCT, D_B("status_code", 7),
                                              D_B("commanded_state", 1), D_T, D_END};
/* counters */
static const struct dnp3_fdesc f_cd0_32[] = {FL_CD0, D_U32("count"), D_END};
static const struct dnp3_fdesc f_cd0_16[] = {FL_CD0, D_U16("count"), D_END};
static const struct dnp3_fdesc f_c01_32[] = {FL_C01, D_U32("count"), D_END};
static const struct dnp3_fdesc f_c01_16[] = {FL_C01, D_U16("count"), D_END};
static const struct dnp3_fdesc f_cd0_32t[] = {FL_CD0, D_U32("count"), D_T, D_END};
static const struct dnp3_fdesc f_cd0_16t[] = {FL_CD0, D_U16("count"), D_T, D_END};
static const struct dnp3_fdesc f_cd1_32t[] = {FL_CD1, D_U32("count"), D_T, D_END};
static const struct dnp3_fdesc f_cd1_16t[] = {FL_CD1, D_U16("count"), D_T, D_END};
static const struct dnp3_fdesc f_c01_32t[] = {FL_C01, D_U32("count"), D_T, D_END};
static const struct dnp3_fdesc f_c01_16t[] = {FL_C01, D_U16("count"), D_T, D_END};
static const struct dnp3_fdesc f_cnt32[] = {D_U32("count"), D_END};
static const struct dnp3_fdesc f_cnt16[] = {D_U16("count"), D_END};
/* analogs */
static const struct dnp3_fdesc f_ana_i32[] = {FL_ANA, D_I32("value"), D_END};
static const struct dnp3_fdesc f_ana_i16[] = {FL_ANA, D_I16("value"), D_END};
static const struct dnp3_fdesc f_ana_f32[] = {FL_ANA, D_F32("value"), D_END};
static const struct dnp3_fdesc f_ana_f64[] = {FL_ANA, D_F64("value"), D_END};
static const struct dnp3_fdesc f_ana_i32t[] = {FL_ANA, D_I32("value"), D_T, D_END};
static const struct dnp3_fdesc f_ana_i16t[] = {FL_ANA, D_I16("value"), D_T, D_END};
static const struct dnp3_fdesc f_ana_f32t[] = {FL_ANA, D_F32("value"), D_T, D_END};
static const struct dnp3_fdesc f_ana_f64t[] = {FL_ANA, D_F64("value"), D_T, D_END};
static const struct dnp3_fdesc f_i32[] = {D_I32("value"), D_END};
static const struct dnp3_fdesc f_i16[] = {D_I16("value"), D_END};
static const struct dnp3_fdesc f_db16[] = {D_U16("deadband_value"), D_END};
static const struct dnp3_fdesc f_db32[] = {D_U32("deadband_value"), D_END};
static const struct dnp3_fdesc f_dbf[] = {D_F32("deadband_value"), D_END};
static const struct dnp3_fdesc f_ao_i32[] = {D_I32("value"), D_U8("control_status"), D_END};
static const struct dnp3_fdesc f_ao_i16[] = {D_I16("value"), D_U8("control_status"), D_END};
static const struct dnp3_fdesc f_ao_f32[] = {D_F32("value"), D_U8("control_status"), D_END};
static const struct dnp3_fdesc f_ao_f64[] = {D_F64("value"), D_U8("control_status"), D_END};
static const struct dnp3_fdesc f_cmd_i32[] = {FL_CMD, D_I32("commanded_value"), D_END};
static const struct dnp3_fdesc f_cmd_i16[] = {FL_CMD, D_I16("commanded_value"), D_END};
static const struct dnp3_fdesc f_cmd_i32t[] = {FL_CMD, D_I32("commanded_value"), D_T, D_END};
static const struct dnp3_fdesc f_cmd_i16t[] = {FL_CMD, D_I16("commanded_value"), D_T, D_END};
static const struct dnp3_fdesc f_cmd_f32[] = {FL_CMD, D_F32("commanded_value"), D_END};
static const struct dnp3_fdesc f_cmd_f64[] = {FL_CMD, D_F64("commanded_value"), D_END};
static const struct dnp3_fdesc f_cmd_f32t[] = {FL_CMD, D_F32("commanded_value"), D_T, D_END};
static const struct dnp3_fdesc f_cmd_f64t[] = {FL_CMD, D_F64("commanded_value"), D_T, D_END};
/* time */
static const struct dnp3_fdesc f_time[] = {D_T, D_END};
static const struct dnp3_fdesc f_time_int[] = {D_T, D_U32("interval"), D_END};
static const struct dnp3_fdesc f_time_intu[] = {D_T, D_U32("interval_count"),
                                                D_U8("interval_units"), D_END};
static const struct dnp3_fdesc f_delay_s[] = {D_U16("delay_secs"), D_END};
static const struct dnp3_fdesc f_delay_ms[] = {D_U16("delay_ms"), D_END};
/* files (group 70) */
static const struct dnp3_fdesc f_g70v1[] = {
    D_U16("filename_size"), D_U8("filetype_code"), D_U8("attribute_code"),
    D_U16("start_record"),  D_U16("end_record"),   D_U32("file_size"),
    D_TIME("created_timestamp"), D_U16("permission"), D_U32("file_id"),
    D_U32("owner_id"),      D_U32("group_id"),     D_U8("file_function_code"),
    D_U8("status_code"),    {DF_CHARS, 0, "filename"}, D_U16("data_size"),
    {DF_CHARS, 14, "data"}, D_END};
static const struct dnp3_fdesc f_g70v2[] = {
    D_U16("username_offset"), D_U16("username_size"), D_U16("password_offset"),
    D_U16("password_size"),   D_U32("authentication_key"), {DF_CHARS, 1, "username"},
    {DF_CHARS, 3, "password"}, D_END};
static const struct dnp3_fdesc f_g70v3[] = {
    D_U16("filename_offset"), D_U16("filename_size"), D_TIME("created"),
    D_U16("permissions"), D_U32("authentication_key"), D_U32("file_size"),
    D_U16("operational_mode"), D_U16("maximum_block_size"), D_U16("request_id"),
    {DF_CHARS, 1, "filename"}, D_END};
static const struct dnp3_fdesc f_g70v4[] = {
    D_U32("file_handle"), D_U32("file_size"), D_U16("maximum_block_size"), D_U16("request_id"),
    D_U8("status_code"), {DF_CHARS_PFX, 1, "optional_text"}, D_END};
static const struct dnp3_fdesc f_g70v5[] = {D_U32("file_handle"), D_U32("block_number"),
                                            {DF_CHARS_PFX, 1, "file_data"}, D_END};
static const struct dnp3_fdesc f_g70v6[] = {D_U32("file_handle"), D_U32("block_number"),
                                            D_U8("status_code"),
                                            {DF_CHARS_PFX, 1, "optional_text"}, D_END};
static const struct dnp3_fdesc f_g70v7[] = {
    D_U16("filename_offset"), D_U16("filename_size"), D_U16("file_type"), D_U32("file_size"),
    D_TIME("created_timestamp"), D_U16("permissions"), D_U16("request_id"),
    {DF_CHARS, 1, "filename"}, D_END};
static const struct dnp3_fdesc f_g70v8[] = {{DF_CHARS_PFX, 2, "file_specification"}, D_END};
/* device */
static const struct dnp3_fdesc f_g81v1[] = {D_OCT, D_B("fill_percentage", 7),
                                            D_B("overflow_state", 1), D_U8("group"),
                                            D_U8("variation"), D_END};
static const struct dnp3_fdesc f_g83v1[] = {{DF_VSTR4, 0, "vendor_code"}, D_U16("object_id"),
                                            D_U16("length"), {DF_BYTES, 2, "data_objects"},
                                            D_END};
static const struct dnp3_fdesc f_g86v2[] = {D_OCT, D_B("rd", 1), D_B("wr", 1), D_B("st", 1),
                                            D_B("ev", 1), D_B("df", 1), D_B("padding0", 1),
                                            D_B("padding1", 1), D_B("padding2", 1), D_END};
static const struct dnp3_fdesc f_g102v1[] = {D_U8("value"), D_END};
/* secure authentication (group 120) */
static const struct dnp3_fdesc f_g120v1[] = {D_U32("csq"), D_U16("usr"), D_U8("mal"),
                                             D_U8("reason"),
                                             {DF_BYTES_PFX, 2, "challenge_data"}, D_END};
static const struct dnp3_fdesc f_g120v2[] = {D_U32("csq"), D_U16("usr"),
                                             {DF_BYTES_PFX, 2, "mac_value"}, D_END};
static const struct dnp3_fdesc f_g120v3[] = {D_U32("csq"), D_U16("user_number"), D_END};
static const struct dnp3_fdesc f_g120v4[] = {D_U16("user_number"), D_END};
static const struct dnp3_fdesc f_g120v5[] = {
    D_U32("ksq"), D_U16("user_number"), D_U8("key_wrap_alg"), D_U8("key_status"), D_U8("mal"),
    D_U16("challenge_data_len"), {DF_BYTES, 5, "challenge_data"},
    {DF_BYTES_PFX, 2, "mac_value"}, D_END};
static const struct dnp3_fdesc f_g120v6[] = {D_U24("ksq"), D_U16("usr"),
                                             {DF_BYTES_PFX, 2, "wrapped_key_data"}, D_END};
static const struct dnp3_fdesc f_g120v7[] = {
    D_U32("sequence_number"), D_U16("usr"), D_U16("association_id"), D_U8("error_code"),
    D_TIME("time_of_error"), {DF_CHARS_PFX, 2, "error_text"}, D_END};
static const struct dnp3_fdesc f_g120v8[] = {D_U8("key_change_method"), D_U8("certificate_type"),
                                             {DF_BYTES_PFX, 2, "certificate"}, D_END};
static const struct dnp3_fdesc f_g120v9[] = {{DF_BYTES_PFX, 2, "mac_value"}, D_END};
static const struct dnp3_fdesc f_g120v10[] = {
    D_U8("key_change_method"), D_U8("operation"), D_U32("scs"), D_U16("user_role"),
    D_U16("user_role_expiry_interval"), D_U16("username_len"), D_U16("user_public_key_len"),
    D_U16("certification_data_len"), {DF_CHARS, 5, "username"},
    {DF_BYTES, 6, "user_public_key"}, {DF_BYTES, 7, "certification_data"}, D_END};
static const struct dnp3_fdesc f_g120v11[] = {
    D_U8("key_change_method"), D_U16("username_len"), D_U16("master_challenge_data_len"),
    {DF_CHARS, 1, "username"}, {DF_BYTES, 2, "master_challenge_data"}, D_END};
static const struct dnp3_fdesc f_g120v12[] = {D_U32("ksq"), D_U16("user_number"),
                                              D_U16("challenge_data_len"),
                                              {DF_BYTES, 2, "challenge_data"}, D_END};
static const struct dnp3_fdesc f_g120v13[] = {D_U32("ksq"), D_U16("user_number"),
                                              D_U16("encrypted_update_key_len"),
                                              {DF_BYTES, 2, "encrypted_update_key_data"}, D_END};
static const struct dnp3_fdesc f_g120v14[] = {{DF_BYTES_PFX, 2, "digital_signature"}, D_END};
static const struct dnp3_fdesc f_g120v15[] = {{DF_BYTES_PFX, 4, "mac"}, D_END};
static const struct dnp3_fdesc f_sec[] = {FL_SEC, D_U16("association_id"), D_U32("count_value"),
                                          D_END};
static const struct dnp3_fdesc f_sec_t[] = {FL_SEC, D_U16("association_id"),
                                            D_U32("count_value"), D_T, D_END};

static const struct dnp3_odesc dnp3_objects[] = {
    {1, 1, 1, 0, f_state1},     {1, 2, 0, 0, f_bin},
    {2, 1, 0, 0, f_u8_state},   {2, 2, 0, 0, f_bin_t},      {2, 3, 0, 0, f_bin_rt},
    {3, 1, 2, 0, f_state2},     {3, 2, 0, 0, f_dbl},
    {4, 1, 0, 0, f_dbl},        {4, 2, 0, 0, f_dbl_t},      {4, 3, 0, 0, f_dbl_rt},
    {10, 1, 1, 0, f_state1},    {10, 2, 0, 0, f_bo},
    {11, 1, 0, 0, f_bo},        {11, 2, 0, 0, f_bo_t},
    {12, 1, 0, 0, f_crob},      {12, 2, 0, 0, f_crob},      {12, 3, 1, 0, f_point1},
    {13, 1, 0, 0, f_bocmd},     {13, 2, 0, 0, f_bocmd_t},
    {20, 1, 0, 0, f_cd0_32},    {20, 2, 0, 0, f_cd0_16},    {20, 3, 0, 0, f_c01_32},
    {20, 4, 0, 0, f_c01_16},    {20, 5, 0, 0, f_cnt32},     {20, 6, 0, 0, f_cnt16},
    {20, 7, 0, 0, f_cnt32},     {20, 8, 0, 0, f_cnt16},
    {21, 1, 0, 0, f_cd0_32},    {21, 2, 0, 0, f_cd0_16},    {21, 3, 0, 0, f_c01_32},
    {21, 4, 0, 0, f_c01_16},    {21, 5, 0, 0, f_cd1_32t},   {21, 6, 0, 0, f_cd1_16t},
    {21, 7, 0, 0, f_c01_32t},   {21, 8, 0, 0, f_c01_16t},   {21, 9, 0, 0, f_cnt32},
    {21, 10, 0, 0, f_cnt16},    {21, 11, 0, 0, f_cnt32},    {21, 12, 0, 0, f_cnt16},
    {22, 1, 0, 0, f_cd0_32},    {22, 2, 0, 0, f_cd0_16},    {22, 3, 0, 0, f_c01_32},
    {22, 4, 0, 0, f_c01_16},    {22, 5, 0, 0, f_c01_32t},   {22, 6, 0, 0, f_cd0_16t},
    {22, 7, 0, 0, f_c01_32t},   {22, 8, 0, 0, f_c01_16t},
    {23, 1, 0, 0, f_cd0_32},    {23, 2, 0, 0, f_c01_16},    {23, 3, 0, 0, f_c01_32},
    {23, 4, 0, 0, f_c01_16},    {23, 5, 0, 0, f_cd0_32t},   {23, 6, 0, 0, f_cd0_16t},
    {23, 7, 0, 0, f_c01_32t},   {23, 8, 0, 0, f_c01_16t},
    {30, 1, 0, 0, f_ana_i32},   {30, 2, 0, 0, f_ana_i16},   {30, 3, 0, 0, f_i32},
    {30, 4, 0, 0, f_i16},       {30, 5, 0, 0, f_ana_f32},   {30, 6, 0, 0, f_ana_f64},
    {31, 1, 0, 0, f_ana_i32},   {31, 2, 0, 0, f_ana_i16},   {31, 3, 0, 0, f_ana_i32t},
    {31, 4, 0, 0, f_ana_i16t},  {31, 5, 0, 0, f_i32},       {31, 6, 0, 0, f_i16},
    {31, 7, 0, 0, f_ana_f32},   {31, 8, 0, 0, f_ana_f64},
    {32, 1, 0, 0, f_ana_i32},   {32, 2, 0, 0, f_ana_i16},   {32, 3, 0, 0, f_ana_i32t},
    {32, 4, 0, 0, f_ana_i16t},  {32, 5, 0, 0, f_ana_f32},   {32, 6, 0, 0, f_ana_f64},
    {32, 7, 0, 0, f_ana_f32t},  {32, 8, 0, 0, f_ana_f64t},
    {33, 1, 0, 0, f_ana_i32},   {33, 2, 0, 0, f_ana_i16},   {33, 3, 0, 0, f_ana_i32t},
    {33, 4, 0, 0, f_ana_i16t},  {33, 5, 0, 0, f_ana_f32},   {33, 6, 0, 0, f_ana_f64},
    {33, 7, 0, 0, f_ana_f32t},  {33, 8, 0, 0, f_ana_f64t},
    {34, 1, 0, 0, f_db16},      {34, 2, 0, 0, f_db32},      {34, 3, 0, 0, f_dbf},
    {40, 1, 0, 0, f_ana_i32},   {40, 2, 0, 0, f_ana_i16},   {40, 3, 0, 0, f_ana_f32},
    {40, 4, 0, 0, f_ana_f64},
    {41, 1, 0, 0, f_ao_i32},    {41, 2, 0, 0, f_ao_i16},    {41, 3, 0, 0, f_ao_f32},
    {41, 4, 0, 0, f_ao_f64},
    {42, 1, 0, 0, f_ana_i32},   {42, 2, 0, 0, f_ana_i16},   {42, 3, 0, 0, f_ana_i32t},
    {42, 4, 0, 0, f_ana_i16t},  {42, 5, 0, 0, f_ana_f32},   {42, 6, 0, 0, f_ana_f64},
    {42, 7, 0, 0, f_ana_f32t},  {42, 8, 0, 0, f_ana_f64t},
    {43, 1, 0, 0, f_cmd_i32},   {43, 2, 0, 0, f_cmd_i16},   {43, 3, 0, 0, f_cmd_i32t},
    {43, 4, 0, 0, f_cmd_i16t},  {43, 5, 0, 0, f_cmd_f32},   {43, 6, 0, 0, f_cmd_f64},
    {43, 7, 0, 0, f_cmd_f32t},  {43, 8, 0, 0, f_cmd_f64t},
    {50, 1, 0, 0, f_time},      {50, 2, 0, 0, f_time_int},  {50, 3, 0, 0, f_time},
    {50, 4, 0, 0, f_time_intu},
    {51, 1, 0, 0, f_time},      {51, 2, 0, 0, f_time},
    {52, 1, 0, 0, f_delay_s},   {52, 2, 0, 0, f_delay_ms},
    {70, 1, 0, 0, f_g70v1},     {70, 2, 0, 0, f_g70v2},     {70, 3, 0, 0, f_g70v3},
    {70, 4, 0, DC_SIZE_PREFIX, f_g70v4}, {70, 5, 0, DC_SIZE_PREFIX, f_g70v5},
    {70, 6, 0, DC_SIZE_PREFIX, f_g70v6}, {70, 7, 0, 0, f_g70v7},
    {70, 8, 0, DC_PREFIX_5, f_g70v8},
    {80, 1, 1, 0, f_state1},
    {81, 1, 0, 0, f_g81v1},
    {83, 1, 0, 0, f_g83v1},
    {86, 2, 0, 0, f_g86v2},
    {102, 1, 0, 0, f_g102v1},
    {120, 1, 0, DC_PREFIX_5, f_g120v1},  {120, 2, 0, DC_PREFIX_5, f_g120v2},
    {120, 3, 0, 0, f_g120v3},            {120, 4, 0, 0, f_g120v4},
    {120, 5, 0, DC_PREFIX_5, f_g120v5},  {120, 6, 0, DC_PREFIX_5, f_g120v6},
    {120, 7, 0, DC_PREFIX_5, f_g120v7},  {120, 8, 0, DC_PREFIX_5, f_g120v8},
    {120, 9, 0, 0, f_g120v9},            {120, 10, 0, DC_PREFIX_5, f_g120v10},
    {120, 11, 0, DC_PREFIX_5, f_g120v11}, {120, 12, 0, DC_PREFIX_5, f_g120v12},
    {120, 13, 0, DC_PREFIX_5, f_g120v13}, {120, 14, 0, DC_PREFIX_5, f_g120v14},
    {120, 15, 0, DC_PREFIX_5, f_g120v15},
    {121, 1, 0, 0, f_sec},
    {122, 1, 0, 0, f_sec},      {122, 2, 0, 0, f_sec_t},
};

#endif
