/* SPDX-License-Identifier: Apache-2.0 */
/* Names of well-known DCE/RPC interfaces and of their operations, for the
 * "service" and "procedure" members Suricata 9 adds to logged interfaces.
 * Operation names follow Microsoft's protocol documents (MS-SCMR, MS-NRPC,
 * MS-DRSR, MS-TSCH, MS-RRP, MS-SRVS, MS-LSAD/LSAT, MS-SAMR, MS-RPRN, MS-WKST,
 * MS-EVEN, MS-DSSP, MS-DCOM, MS-RPCE) without their "R"/"IDL_" prefixes, the
 * way Zeek and Suricata spell them. Opnums a document marks "not used on the
 * wire" are left unnamed. */
#include <stddef.h>
#include <string.h>

#include "app/app_dcerpc.h"

struct dcerpc_names {
    const char *uuid; /* text form, lower case */
    const char *service;
    const char *const *procs; /* indexed by opnum; NULL entries unnamed */
    uint16_t nprocs;
};

#define N(a) (uint16_t)(sizeof(a) / sizeof(a[0]))

static const char *const svcctl[] = {
    "CloseServiceHandle", "ControlService", "DeleteService", "LockServiceDatabase",
    "QueryServiceObjectSecurity", "SetServiceObjectSecurity", "QueryServiceStatus",
    "SetServiceStatus", "UnlockServiceDatabase", "NotifyBootConfigStatus", NULL,
    "ChangeServiceConfigW", "CreateServiceW", "EnumDependentServicesW", "EnumServicesStatusW",
    "OpenSCManagerW", "OpenServiceW", "QueryServiceConfigW", "QueryServiceLockStatusW",
    "StartServiceW", "GetServiceDisplayNameW", "GetServiceKeyNameW", NULL,
    "ChangeServiceConfigA", "CreateServiceA", "EnumDependentServicesA", "EnumServicesStatusA",
    "OpenSCManagerA", "OpenServiceA", "QueryServiceConfigA", "QueryServiceLockStatusA",
    "StartServiceA", "GetServiceDisplayNameA", "GetServiceKeyNameA", NULL, "EnumServiceGroupW",
    "ChangeServiceConfig2A", "ChangeServiceConfig2W", "QueryServiceConfig2A",
    "QueryServiceConfig2W", "QueryServiceStatusEx", "EnumServicesStatusExA",
    "EnumServicesStatusExW", NULL, "CreateServiceWOW64A", "CreateServiceWOW64W", NULL,
    "NotifyServiceStatusChange", "GetNotifyResults", "CloseNotifyHandle", "ControlServiceExA",
    "ControlServiceExW", NULL, NULL, NULL, NULL, "QueryServiceConfigEx", NULL, NULL, NULL,
    "CreateWowService", "OpenSCManager2"};

static const char *const atsvc[] = {"NetrJobAdd", "NetrJobDel", "NetrJobEnum", "NetrJobGetInfo"};

static const char *const netlogon[] = {
    "NetrLogonUasLogon", "NetrLogonUasLogoff", "NetrLogonSamLogon", "NetrLogonSamLogoff",
    "NetrServerReqChallenge", "NetrServerAuthenticate", "NetrServerPasswordSet",
    "NetrDatabaseDeltas", "NetrDatabaseSync", "NetrAccountDeltas", "NetrAccountSync",
    "NetrGetDCName", "NetrLogonControl", "NetrGetAnyDCName", "NetrLogonControl2",
    "NetrServerAuthenticate2", "NetrDatabaseSync2", "NetrDatabaseRedo", "NetrLogonControl2Ex",
    "NetrEnumerateTrustedDomains", "DsrGetDcName", "NetrLogonGetCapabilities",
    "NetrLogonSetServiceBits", "NetrLogonGetTrustRid", "NetrLogonComputeServerDigest",
    "NetrLogonComputeClientDigest", "NetrServerAuthenticate3", "DsrGetDcNameEx",
    "DsrGetSiteName", "NetrLogonGetDomainInfo", "NetrServerPasswordSet2",
    "NetrServerPasswordGet", "NetrLogonSendToSam", "DsrAddressToSiteNamesW", "DsrGetDcNameEx2",
    "NetrLogonGetTimeServiceParentDomain", "NetrEnumerateTrustedDomainsEx",
    "DsrAddressToSiteNamesExW", "DsrGetDcSiteCoverageW", "NetrLogonSamLogonEx",
    "DsrEnumerateDomainTrusts", "DsrDeregisterDnsHostRecords", "NetrServerTrustPasswordsGet",
    "DsrGetForestTrustInformation", "NetrGetForestTrustInformation",
    "NetrLogonSamLogonWithFlags", "NetrServerGetTrustInfo", NULL,
    "DsrUpdateReadOnlyServerDnsRecords", "NetrChainSetClientAttributes"};

static const char *const drsuapi[] = {
    "DRSBind", "DRSUnbind", "DRSReplicaSync", "DRSGetNCChanges", "DRSUpdateRefs",
    "DRSReplicaAdd", "DRSReplicaDel", "DRSReplicaModify", "DRSVerifyNames", "DRSGetMemberships",
    "DRSInterDomainMove", "DRSGetNT4ChangeLog", "DRSCrackNames", "DRSWriteSPN",
    "DRSRemoveDsServer", "DRSRemoveDsDomain", "DRSDomainControllerInfo", "DRSAddEntry",
    "DRSExecuteKCC", "DRSGetReplInfo", "DRSAddSidHistory", "DRSGetMemberships2",
    "DRSReplicaVerifyObjects", "DRSGetObjectExistence", "DRSQuerySitesByCost",
    "DRSInitDemotion", "DRSReplicaDemotion", "DRSFinishDemotion", "DRSAddCloneDC",
    "DRSWriteNgcKey", "DRSReadNgcKey"};

static const char *const epmapper[] = {"ept_insert", "ept_delete", "ept_lookup", "ept_map",
                                       "ept_lookup_handle_free", "ept_inq_object",
                                       "ept_mgmt_delete"};

static const char *const mgmt[] = {"inq_if_ids", "inq_stats", "is_server_listening",
                                   "stop_server_listening", "inq_princ_name"};

static const char *const irem_unknown[] = {"QueryInterface", "AddRef",    "Release",
                                           "RemQueryInterface", "RemAddRef", "RemRelease",
                                           "RemQueryInterface2"};

static const char *const iremote_scm_activator[] = {NULL, NULL, NULL, "RemoteGetClassObject",
                                                    "RemoteCreateInstance"};

static const char *const iactivation[] = {"RemoteActivation"};

static const char *const iobject_exporter[] = {"ResolveOxid",  "SimplePing",   "ComplexPing",
                                               "ServerAlive",  "ResolveOxid2", "ServerAlive2"};

static const char *const idispatch[] = {"QueryInterface", "AddRef",        "Release",
                                        "GetTypeInfoCount", "GetTypeInfo", "GetIDsOfNames",
                                        "Invoke"};

static const char *const dssetup[] = {
    "DsRolerGetPrimaryDomainInformation", "DsRolerDnsNameToFlatName", "DsRolerDcAsDc",
    "DsRolerDcAsReplica", "DsRolerDemoteDc", "DsRolerGetDcOperationProgress",
    "DsRolerGetDcOperationResults", "DsRolerCancel", "DsRolerServerSaveStateForUpgrade",
    "DsRolerUpgradeDownlevelServer", "DsRolerAbortDownlevelServerUpgrade",
    "DsRolerGetDatabaseFacts"};

static const char *const winreg[] = {
    "OpenClassesRoot", "OpenCurrentUser", "OpenLocalMachine", "OpenPerformanceData", "OpenUsers",
    "BaseRegCloseKey", "BaseRegCreateKey", "BaseRegDeleteKey", "BaseRegDeleteValue",
    "BaseRegEnumKey", "BaseRegEnumValue", "BaseRegFlushKey", "BaseRegGetKeySecurity",
    "BaseRegLoadKey", NULL, "BaseRegOpenKey", "BaseRegQueryInfoKey", "BaseRegQueryValue",
    "BaseRegReplaceKey", "BaseRegRestoreKey", "BaseRegSaveKey", "BaseRegSetKeySecurity",
    "BaseRegSetValue", "BaseRegUnLoadKey", "BaseInitiateSystemShutdown",
    "BaseAbortSystemShutdown", "BaseRegGetVersion", "OpenCurrentConfig", NULL,
    "BaseRegQueryMultipleValues", "BaseInitiateSystemShutdownEx", "BaseRegSaveKeyEx",
    "OpenPerformanceText", "OpenPerformanceNlsText", "BaseRegQueryMultipleValues2",
    "BaseRegDeleteKeyEx"};

static const char *const srvsvc[] = {
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "NetrConnectionEnum", "NetrFileEnum",
    "NetrFileGetInfo", "NetrFileClose", "NetrSessionEnum", "NetrSessionDel", "NetrShareAdd",
    "NetrShareEnum", "NetrShareGetInfo", "NetrShareSetInfo", "NetrShareDel",
    "NetrShareDelSticky", "NetrShareCheck", "NetrServerGetInfo", "NetrServerSetInfo",
    "NetrServerDiskEnum", "NetrServerStatisticsGet", "NetrServerTransportAdd",
    "NetrServerTransportEnum", "NetrServerTransportDel", "NetrRemoteTOD", NULL,
    "NetprPathType", "NetprPathCanonicalize", "NetprPathCompare", "NetprNameValidate",
    "NetprNameCanonicalize", "NetprNameCompare", "NetrShareEnumSticky", "NetrShareDelStart",
    "NetrShareDelCommit", "NetrpGetFileSecurity", "NetrpSetFileSecurity",
    "NetrServerTransportAddEx", NULL, "NetrDfsGetVersion", "NetrDfsCreateLocalPartition",
    "NetrDfsDeleteLocalPartition", "NetrDfsSetLocalVolumeState", NULL,
    "NetrDfsCreateExitPoint", "NetrDfsDeleteExitPoint", "NetrDfsModifyPrefix",
    "NetrDfsFixLocalVolume", "NetrDfsManagerReportSiteInfo", "NetrServerTransportDelEx",
    "NetrServerAliasAdd", "NetrServerAliasEnum", "NetrServerAliasDel", "NetrShareDelEx"};

static const char *const lsarpc[] = {
    "LsarClose", NULL, "LsarEnumeratePrivileges", "LsarQuerySecurityObject",
    "LsarSetSecurityObject", NULL, "LsarOpenPolicy", "LsarQueryInformationPolicy",
    "LsarSetInformationPolicy", NULL, "LsarCreateAccount", "LsarEnumerateAccounts",
    "LsarCreateTrustedDomain", "LsarEnumerateTrustedDomains", "LsarLookupNames",
    "LsarLookupSids", "LsarCreateSecret", "LsarOpenAccount", "LsarEnumeratePrivilegesAccount",
    "LsarAddPrivilegesToAccount", "LsarRemovePrivilegesFromAccount", NULL, NULL,
    "LsarGetSystemAccessAccount", "LsarSetSystemAccessAccount", "LsarOpenTrustedDomain",
    "LsarQueryInfoTrustedDomain", "LsarSetInformationTrustedDomain", "LsarOpenSecret",
    "LsarSetSecret", "LsarQuerySecret", "LsarLookupPrivilegeValue", "LsarLookupPrivilegeName",
    "LsarLookupPrivilegeDisplayName", "LsarDeleteObject", "LsarEnumerateAccountsWithUserRight",
    "LsarEnumerateAccountRights", "LsarAddAccountRights", "LsarRemoveAccountRights",
    "LsarQueryTrustedDomainInfo", "LsarSetTrustedDomainInfo", "LsarDeleteTrustedDomain",
    "LsarStorePrivateData", "LsarRetrievePrivateData", "LsarOpenPolicy2", "LsarGetUserName",
    "LsarQueryInformationPolicy2", "LsarSetInformationPolicy2",
    "LsarQueryTrustedDomainInfoByName", "LsarSetTrustedDomainInfoByName",
    "LsarEnumerateTrustedDomainsEx", "LsarCreateTrustedDomainEx", NULL,
    "LsarQueryDomainInformationPolicy", "LsarSetDomainInformationPolicy",
    "LsarOpenTrustedDomainByName", NULL, "LsarLookupSids2", "LsarLookupNames2",
    "LsarCreateTrustedDomainEx2", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, "LsarQueryForestTrustInformation", "LsarSetForestTrustInformation", NULL,
    "LsarLookupSids3", "LsarLookupNames3", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    "LsarLookupNames4"};

static const char *const samr[] = {
    "SamrConnect", "SamrCloseHandle", "SamrSetSecurityObject", "SamrQuerySecurityObject", NULL,
    "SamrLookupDomainInSamServer", "SamrEnumerateDomainsInSamServer", "SamrOpenDomain",
    "SamrQueryInformationDomain", "SamrSetInformationDomain", "SamrCreateGroupInDomain",
    "SamrEnumerateGroupsInDomain", "SamrCreateUserInDomain", "SamrEnumerateUsersInDomain",
    "SamrCreateAliasInDomain", "SamrEnumerateAliasesInDomain", "SamrGetAliasMembership",
    "SamrLookupNamesInDomain", "SamrLookupIdsInDomain", "SamrOpenGroup",
    "SamrQueryInformationGroup", "SamrSetInformationGroup", "SamrAddMemberToGroup",
    "SamrDeleteGroup", "SamrRemoveMemberFromGroup", "SamrGetMembersInGroup",
    "SamrSetMemberAttributesOfGroup", "SamrOpenAlias", "SamrQueryInformationAlias",
    "SamrSetInformationAlias", "SamrDeleteAlias", "SamrAddMemberToAlias",
    "SamrRemoveMemberFromAlias", "SamrGetMembersInAlias", "SamrOpenUser", "SamrDeleteUser",
    "SamrQueryInformationUser", "SamrSetInformationUser", "SamrChangePasswordUser",
    "SamrGetGroupsForUser", "SamrQueryDisplayInformation", "SamrGetDisplayEnumerationIndex",
    NULL, NULL, "SamrGetUserDomainPasswordInformation", "SamrRemoveMemberFromForeignDomain",
    "SamrQueryInformationDomain2", "SamrQueryInformationUser2", "SamrQueryDisplayInformation2",
    "SamrGetDisplayEnumerationIndex2", "SamrCreateUser2InDomain",
    "SamrQueryDisplayInformation3", "SamrAddMultipleMembersToAlias",
    "SamrRemoveMultipleMembersFromAlias", "SamrOemChangePasswordUser2",
    "SamrUnicodeChangePasswordUser2", "SamrGetDomainPasswordInformation", "SamrConnect2",
    "SamrSetInformationUser2", NULL, NULL, NULL, "SamrConnect4", NULL, "SamrConnect5",
    "SamrRidToSid", "SamrSetDSRMPassword", "SamrValidatePassword"};

static const char *const spoolss[] = {
    "RpcEnumPrinters", "RpcOpenPrinter", "RpcSetJob", "RpcGetJob", "RpcEnumJobs",
    "RpcAddPrinter", "RpcDeletePrinter", "RpcSetPrinter", "RpcGetPrinter",
    "RpcAddPrinterDriver", "RpcEnumPrinterDrivers", "RpcGetPrinterDriver",
    "RpcGetPrinterDriverDirectory", "RpcDeletePrinterDriver", "RpcAddPrintProcessor",
    "RpcEnumPrintProcessors", "RpcGetPrintProcessorDirectory", "RpcStartDocPrinter",
    "RpcStartPagePrinter", "RpcWritePrinter", "RpcEndPagePrinter", "RpcAbortPrinter",
    "RpcReadPrinter", "RpcEndDocPrinter", "RpcAddJob", "RpcScheduleJob", "RpcGetPrinterData",
    "RpcSetPrinterData", "RpcWaitForPrinterChange", "RpcClosePrinter", "RpcAddForm",
    "RpcDeleteForm", "RpcGetForm", "RpcSetForm", "RpcEnumForms", "RpcEnumPorts",
    "RpcEnumMonitors", NULL, NULL, "RpcDeletePort", "RpcCreatePrinterIC",
    "RpcPlayGdiScriptOnPrinterIC", "RpcDeletePrinterIC", NULL, NULL, NULL, "RpcAddMonitor",
    "RpcDeleteMonitor", "RpcDeletePrintProcessor", NULL, NULL,
    "RpcEnumPrintProcessorDatatypes", "RpcResetPrinter", "RpcGetPrinterDriver2", NULL, NULL,
    "RpcFindClosePrinterChangeNotification", NULL, "RpcReplyOpenPrinter",
    "RpcRouterReplyPrinter", "RpcReplyClosePrinter", "RpcAddPortEx",
    "RpcRemoteFindFirstPrinterChangeNotification", NULL, NULL,
    "RpcRemoteFindFirstPrinterChangeNotificationEx", "RpcRouterReplyPrinterEx",
    "RpcRouterRefreshPrinterChangeNotification", NULL, "RpcOpenPrinterEx", "RpcAddPrinterEx",
    "RpcSetPort", "RpcEnumPrinterData", "RpcDeletePrinterData", NULL, NULL, NULL,
    "RpcSetPrinterDataEx", "RpcGetPrinterDataEx", "RpcEnumPrinterDataEx", "RpcEnumPrinterKey",
    "RpcDeletePrinterDataEx", "RpcDeletePrinterKey", NULL, "RpcDeletePrinterDriverEx",
    "RpcAddPerMachineConnection", "RpcDeletePerMachineConnection",
    "RpcEnumPerMachineConnections", "RpcXcvData", "RpcAddPrinterDriverEx"};

static const char *const wkssvc[] = {
    "NetrWkstaGetInfo", "NetrWkstaSetInfo", "NetrWkstaUserEnum", NULL, NULL,
    "NetrWkstaTransportEnum", "NetrWkstaTransportAdd", "NetrWkstaTransportDel", "NetrUseAdd",
    "NetrUseGetInfo", "NetrUseDel", "NetrUseEnum", NULL, "NetrWorkstationStatisticsGet", NULL,
    NULL, NULL, NULL, NULL, NULL, "NetrGetJoinInformation", NULL, "NetrJoinDomain2",
    "NetrUnjoinDomain2", "NetrRenameMachineInDomain2", "NetrValidateName2",
    "NetrGetJoinableOUs2", "NetrAddAlternateComputerName", "NetrRemoveAlternateComputerName",
    "NetrSetPrimaryComputerName", "NetrEnumerateComputerNames"};

static const char *const eventlog[] = {
    "ElfrClearELFW", "ElfrBackupELFW", "ElfrCloseEL", "ElfrDeregisterEventSource",
    "ElfrNumberOfRecords", "ElfrOldestRecord", "ElfrChangeNotify", "ElfrOpenELW",
    "ElfrRegisterEventSourceW", "ElfrOpenBELW", "ElfrReadELW", "ElfrReportEventW",
    "ElfrClearELFA", "ElfrBackupELFA", "ElfrOpenELA", "ElfrRegisterEventSourceA",
    "ElfrOpenBELA", "ElfrReadELA", "ElfrReportEventA", NULL, NULL, NULL,
    "ElfrGetLogInformation", NULL, "ElfrReportEventAndSourceW"};

static const char *const task_scheduler[] = {
    "SchRpcHighestVersion", "SchRpcRegisterTask", "SchRpcRetrieveTask", "SchRpcCreateFolder",
    "SchRpcSetSecurity", "SchRpcGetSecurity", "SchRpcEnumFolders", "SchRpcEnumTasks",
    "SchRpcEnumInstances", "SchRpcGetInstanceInfo", "SchRpcStopInstance", "SchRpcStop",
    "SchRpcRun", "SchRpcDelete", "SchRpcRename", "SchRpcScheduledRuntimes",
    "SchRpcGetLastRunInfo", "SchRpcGetTaskInfo", "SchRpcGetNumberOfMissedRuns",
    "SchRpcEnableTask"};

static const struct dcerpc_names table[] = {
    {"367abb81-9844-35f1-ad32-98f038001003", "svcctl", svcctl, N(svcctl)},
    {"1ff70682-0a51-30e8-076d-740be8cee98b", "atsvc", atsvc, N(atsvc)},
    {"12345678-1234-abcd-ef00-01234567cffb", "netlogon", netlogon, N(netlogon)},
    {"e3514235-4b06-11d1-ab04-00c04fc2dcd2", "drsuapi", drsuapi, N(drsuapi)},
    {"e1af8308-5d1f-11c9-91a4-08002b14a0fa", "epmapper", epmapper, N(epmapper)},
    {"afa8bd80-7d8a-11c9-bef4-08002b102989", "mgmt", mgmt, N(mgmt)},
    {"00000143-0000-0000-c000-000000000046", "IRemUnknown2", irem_unknown, N(irem_unknown)},
    {"00000131-0000-0000-c000-000000000046", "IRemUnknown", irem_unknown, 6},
    {"000001a0-0000-0000-c000-000000000046", "IRemoteSCMActivator", iremote_scm_activator,
     N(iremote_scm_activator)},
    {"4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", "IActivation", iactivation, N(iactivation)},
    {"99fcfec4-5260-101b-bbcb-00aa0021347a", "IObjectExporter", iobject_exporter,
     N(iobject_exporter)},
    {"00020400-0000-0000-c000-000000000046", "IDispatch", idispatch, N(idispatch)},
    {"3919286a-b10c-11d0-9ba8-00c04fd92ef5", "dssetup", dssetup, N(dssetup)},
    {"338cd001-2244-31f1-aaaa-900038001003", "winreg", winreg, N(winreg)},
    {"4b324fc8-1670-01d3-1278-5a47bf6ee188", "srvsvc", srvsvc, N(srvsvc)},
    {"12345778-1234-abcd-ef00-0123456789ab", "lsarpc", lsarpc, N(lsarpc)},
    {"12345778-1234-abcd-ef00-0123456789ac", "samr", samr, N(samr)},
    {"12345678-1234-abcd-ef00-0123456789ab", "spoolss", spoolss, N(spoolss)},
    {"6bffd098-a112-3610-9833-46c3f87e345a", "wkssvc", wkssvc, N(wkssvc)},
    {"82273fdc-e32a-18c3-3f78-827929dc23ea", "eventlog", eventlog, N(eventlog)},
    {"86d35949-83c9-4044-b424-db363231fd0c", "ITaskSchedulerService", task_scheduler,
     N(task_scheduler)},
};

static const struct dcerpc_names *find(const uint8_t uuid[16])
{
    char text[37];
    dcerpc_uuid_format(uuid, text);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].uuid, text) == 0)
            return &table[i];
    return NULL;
}

const char *dcerpc_service_name(const uint8_t uuid[16])
{
    const struct dcerpc_names *n = find(uuid);
    return n ? n->service : NULL;
}

const char *dcerpc_procedure_name(const uint8_t uuid[16], uint16_t opnum)
{
    const struct dcerpc_names *n = find(uuid);
    return n && opnum < n->nprocs ? n->procs[opnum] : NULL;
}
