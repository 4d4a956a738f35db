// The ids of every command the extension contributes. Pure, so the manifest can be checked
// against it in plain Node; the command table must give each one a handler (the compiler checks).

export const COMMAND_IDS = [
  's3lifecycle.refresh',
  's3lifecycle.selectProfile',
  's3lifecycle.setEndpoint',
  's3lifecycle.openSettings',
  's3lifecycle.openPanel',
  's3lifecycle.checkLocalEngine',
  's3lifecycle.showLog',
  's3lifecycle.copyS3Uri',
  's3lifecycle.copyArn',
  's3lifecycle.openObject',
  's3lifecycle.filter',
  's3lifecycle.clearFilter',
  's3lifecycle.loadMore',
  's3lifecycle.addConnection',
  's3lifecycle.removeConnection',
  's3lifecycle.addBucket',
  's3lifecycle.removeBucket',
  's3lifecycle.editTemplates',
  's3lifecycle.runTemplate',
  's3lifecycle.runTemplateLocal',
  's3lifecycle.runTemplateAthena',
  's3lifecycle.previewTemplateSql',
  's3lifecycle.templateParameters',
  's3lifecycle.findUnusedPrefixes',
  's3lifecycle.tagForExpiration',
  's3lifecycle.removeExpirationTags',
  's3lifecycle.resumeTagging',
  's3lifecycle.playDeletion',
  's3lifecycle.buildIndex',
  's3lifecycle.lookupRecord',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
