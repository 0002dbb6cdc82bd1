/** The manifest of `test/fixtures/server_packages.synthetic-mods.sii`, written out by hand. */
export const SYNTHETIC_MANIFEST = {
  map: '/map/europe.mbd',
  dlc: { essential: ['7731044210043321'], nonEssential: ['1130411202554109', '88512340987', '40617829'] },
  mods: [
    {
      packageName: 'North_Sea_Ferries_Rework_v2.3',
      name: '  North Sea Ferries (rework) ',
      modId: '17465922801132749901',
      workshop: false,
      optional: false,
    },
    {
      packageName: 'mod_workshop_package.00000000B1C0FFEE',
      name: 'Tandem trailer lights [v1.4]',
      modId: '2982215662',
      workshop: true,
      optional: true,
    },
  ],
  exportedAt: '2025-10-31T10:00:00.000Z',
};
